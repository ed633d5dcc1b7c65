"""The settings show only what applies: plain SGD has no ε or weight decay, a CSV's points have
no sample count or noise, data that is not two columns has no features, and "auto" says what it
resolved to."""

from __future__ import annotations

from tests.e2e.harness import idle


def visible_fields(page) -> set[str]:
    return set(
        page.evaluate(
            """() => [...document.querySelectorAll('#scenario-form [data-field]')]
                .filter((e) => e.offsetParent !== null || e.closest('details:not([open])'))
                .map((e) => e.dataset.field)"""
        )
    )


def load(page, scenario: dict) -> None:
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", scenario)
    idle(page)


def test_optimizer_fields_follow_the_optimizer(page):
    load(page, {"dataset": {"kind": "circle"}, "optimizer": {"kind": "sgd", "lr": 0.03}})
    fields = visible_fields(page)
    assert {"optimizer.lr", "optimizer.momentum"} <= fields
    assert not {"optimizer.eps", "optimizer.weight_decay", "optimizer.beta1"} & fields
    load(page, {"dataset": {"kind": "circle"}, "optimizer": {"kind": "adam", "lr": 0.01}})
    fields = visible_fields(page)
    assert {"optimizer.eps", "optimizer.beta1", "optimizer.beta2"} <= fields
    assert not {"optimizer.weight_decay", "optimizer.momentum"} & fields
    load(page, {"dataset": {"kind": "circle"}, "optimizer": {"kind": "adamw", "lr": 0.01}})
    assert "optimizer.weight_decay" in visible_fields(page)


def test_rate_and_threshold_only_when_they_apply(page):
    load(page, {"dataset": {"kind": "circle"}})
    fields = visible_fields(page)
    assert "regularization.rate" not in fields and "clip.threshold" not in fields
    load(
        page,
        {
            "dataset": {"kind": "circle"},
            "regularization": {"kind": "l2", "rate": 0.01},
            "clip": {"kind": "norm", "threshold": 1.0},
        },
    )
    fields = visible_fields(page)
    assert "regularization.rate" in fields and "clip.threshold" in fields


def test_points_have_no_sample_count_or_noise_and_wide_data_no_features(page):
    load(page, {"dataset": {"kind": "circle"}})
    assert {"dataset.n_samples", "dataset.noise", "features"} <= visible_fields(page)
    rows = [[i % 5, i // 5, (i * 7) % 3] for i in range(20)]
    load(
        page,
        {
            "dataset": {
                "kind": "points",
                "points": {"inputs": rows, "labels": [(i % 5 + i // 5) % 2 for i in range(20)]},
            }
        },
    )
    fields = visible_fields(page)
    assert not {"dataset.n_samples", "dataset.noise"} & fields
    note = page.locator('#scenario-form [data-field="features"]')
    assert "3 input columns" in note.text_content()
    assert note.locator("input").count() == 0


def test_auto_says_what_it_resolved_to(page):
    load(page, {"dataset": {"kind": "spiral3"}})
    option = page.locator('#scenario-form select[name="output_activation"] option[value=""]')
    assert option.text_content() == "auto: softmax"
    loss = page.locator('#scenario-form select[name="loss"] option[value=""]')
    assert loss.text_content() == "auto: cross entropy"
