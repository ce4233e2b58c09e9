"""End to end on Discord: the Flag and Review forms as a member meets them (issue 20, item 7). The real
discord.py client against the fake Discord: selects and buttons on an ephemeral message, then a modal, and
the flag or review in the store at the end, on SQLite and PostgreSQL.

Before, Flag opened a modal whose norm was typed (its placeholder named 4 of the pack's norms; a typo lost
the reason) and Review a modal cutting every question at 45 characters and taking yes/no/na as text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from norms.loader import load_builtin
from storage import Store
from tests.fakes.discord.harness import World, discord_world, payloads_of, release_id_of
from tests.fakes.discord.interactions import press, response_to, select, slash, submit_modal
from tests.fakes.discord.payloads import JSON

pytestmark = pytest.mark.e2e
EPHEMERAL = 1 << 6
BASELINE = load_builtin("baseline")


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with discord_world(tmp_path, store=store) as world:
        yield world


def selects_of(message: JSON) -> list[JSON]:
    """The select menus of a message, in order."""
    return [c for row in message.get("components", []) for c in row.get("components", []) if c.get("type") == 3]


def buttons_of(message: JSON) -> dict[str, JSON]:
    """The buttons of a message by label."""
    return {c["label"]: c for row in message.get("components", []) for c in row.get("components", []) if c["type"] == 2}


def option(menu: JSON, label: str) -> str:
    """The value of the option labelled `label` (what a member clicks is the label)."""
    found = [o["value"] for o in menu["options"] if o["label"] == label]
    assert found, f"no option {label!r} in {[o['label'] for o in menu['options']]}"
    return found[0]


async def shown(w: World, interaction: JSON) -> JSON:
    """The ephemeral message the bot answered an interaction with (a new message or the updated one)."""
    call = await response_to(w.fake, interaction)
    assert call.ok, call.result
    assert call.body["type"] in (4, 7), call.body
    message = call.result["resource"]["message"]
    assert message["flags"] & EPHEMERAL
    return w.fake.messages[int(message["id"])]


async def test_flag_picks_the_norm_by_title_then_writes_only_the_reason(w: World) -> None:
    """Flag: an ephemeral select of every norm of the pack by title (and Other), then a modal for the
    reason alone, titled with the chosen norm; the flag is stored under the norm's id."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    message = await shown(w, await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[1]))
    (menu,) = selects_of(message)
    labels = [o["label"] for o in menu["options"]]
    assert labels == [n.title for n in BASELINE.norms] + ["Other: a problem no norm names"]
    assert "Which norm does" in message["embeds"][0]["description"]
    opened = await response_to(
        w.fake,
        await select(w.fake, w.releases, w.bob, message, menu["custom_id"], [option(menu, "Name the base model")]),
    )
    assert opened.body["type"] == 9, opened.body
    modal = opened.body["data"]
    inputs = [c for row in modal["components"] for c in row.get("components", [row.get("component", {})])]
    assert [i["custom_id"] for i in inputs] == ["reason"]  # the norm is chosen: nothing left to mistype
    assert modal["title"].startswith(f"Flag R{rid}: Name the base")
    answer = await response_to(
        w.fake, await submit_modal(w.fake, w.releases, w.bob, modal, {"reason": "the base model link is dead"})
    )
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert answer.body["data"]["embeds"][0]["title"] == "Flag recorded"
    assert await w.flags(rid) == [("credit-base-model", "the base model link is dead")]


MANY = "schema_version: 1\nid: makers\nversion: 1.0.0\nextends: [baseline]\nnorms:\n" + "".join(
    f"  - id: house-rule-{i:02d}\n    need: credit\n    title: House rule number {i:02d}\n"
    f"    severity: nudge\n    require: [trigger_words]\n"
    for i in range(12)
)


async def test_a_pack_of_more_than_25_norms_is_paged_and_other_is_on_every_page(w: World) -> None:
    """32 norms: page 1 shows 24 and Other, Next shows the rest and Other again; a norm of page 2 flags."""
    attachment = w.fake.add_attachment("norms.yaml", MANY.encode())
    await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "norms set", file=attachment))
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    first = await shown(w, await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[1]))
    (menu,) = selects_of(first)
    assert len(menu["options"]) == 25 and menu["options"][-1]["label"].startswith("Other")
    second = await shown(w, await press(w.fake, w.releases, w.bob, first, buttons_of(first)["Next ▶"]["custom_id"]))
    (menu,) = selects_of(second)
    assert [o["label"] for o in menu["options"]][-1].startswith("Other")
    assert "House rule number 11" in [o["label"] for o in menu["options"]]
    value = option(menu, "House rule number 11")
    opened = await response_to(w.fake, await select(w.fake, w.releases, w.bob, second, menu["custom_id"], [value]))
    answer = await response_to(
        w.fake, await submit_modal(w.fake, w.releases, w.bob, opened.body["data"], {"reason": "no trigger word"})
    )
    assert answer.body["type"] == 4
    assert await w.flags(rid) == [("house-rule-11", "no trigger word")]


async def test_review_shows_every_question_whole_with_a_select_each(w: World) -> None:
    """Review: each question written whole above its Yes/No/N.A. select, four per page with Next, then
    Continue opens the optional note; the review is stored with every answer and the note."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    questions = BASELINE.questions()
    message = await shown(w, await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[2]))
    pages: list[JSON] = []
    given: dict[str, str] = {}
    answers = ["No", "Yes", "N.A. (does not apply)", "No", "Yes", "No"]
    asked = 0
    while True:
        text = message["embeds"][0]["description"]
        pages.append(message)
        for index in range(len(selects_of(message))):
            menu = selects_of(message)[index]  # every answer updates the message: its custom ids carry them
            question = questions[asked]
            assert question.question is not None and question.question in text  # whole, never cut at 45
            assert [o["label"] for o in menu["options"]] == ["Yes", "No", "N.A. (does not apply)"]
            message = await shown(
                w, await select(w.fake, w.releases, w.bob, message, menu["custom_id"], [option(menu, answers[asked])])
            )
            given[question.id] = {"Yes": "yes", "No": "no"}.get(answers[asked], "na")
            menu_after = selects_of(message)[index]
            assert [o["label"] for o in menu_after["options"] if o.get("default")] == [answers[asked]]
            asked += 1
        if "Next ▶" not in buttons_of(message):
            break
        message = await shown(
            w, await press(w.fake, w.releases, w.bob, message, buttons_of(message)["Next ▶"]["custom_id"])
        )
    assert asked == len(questions) and len(pages) == 2
    continue_ = buttons_of(message)["Continue"]
    assert not continue_.get("disabled")
    opened = await response_to(w.fake, await press(w.fake, w.releases, w.bob, message, continue_["custom_id"]))
    assert opened.body["type"] == 9
    note = "Clear card; consent = documented in the readme."
    answer = await response_to(
        w.fake, await submit_modal(w.fake, w.releases, w.bob, opened.body["data"], {"_note": note})
    )
    assert answer.body["data"]["embeds"][0]["title"] == "Review recorded", answer.body
    async with w.store.transaction() as tx:
        ((_, account, rows),) = await tx.reviews.of_release(rid)
    assert account.display_name == "bob_reviews"
    assert {a.norm_id: a.answer for a in rows} == given
    assert all("Clear card" in (a.note or "") for a in rows)


async def test_continue_waits_for_every_answer(w: World) -> None:
    """Continue is disabled until every question is answered; pressed anyway, it says which is missing."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    message = await shown(w, await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[2]))
    message = await shown(
        w, await press(w.fake, w.releases, w.bob, message, buttons_of(message)["Next ▶"]["custom_id"])
    )
    continue_ = buttons_of(message)["Continue"]
    assert continue_.get("disabled")
    again = await shown(w, await press(w.fake, w.releases, w.bob, message, continue_["custom_id"]))
    assert "Answer question 1 first." in again["embeds"][0]["description"]
    async with w.store.transaction() as tx:
        assert await tx.reviews.of_release(rid) == []


async def test_a_half_filled_form_survives_a_restart_and_forged_steps_are_refused(w: World) -> None:
    """The progress lives in the custom ids: after a restart the next select still works. A custom id
    with a forged answer, another form's digest or an unknown command records nothing."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    message = await shown(w, await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[1]))
    (menu,) = selects_of(message)
    forged: list[tuple[str, list[str]]] = [
        (menu["custom_id"], ["999"]),
        (menu["custom_id"].replace(":s0", ":s7"), [option(menu, "Name the base model")]),
        (menu["custom_id"].split(":")[0] + ":flag:" + str(rid) + ":000000:0:-:s0", ["0"]),
        (menu["custom_id"].replace(":flag:", ":resolve:"), ["0"]),
    ]
    for custom_id, values in forged:
        fake_menu = {**menu, "custom_id": custom_id, "options": [{"label": "x", "value": v} for v in values]}
        fake_message: dict[str, Any] = {**message, "components": [{"type": 1, "components": [fake_menu]}]}
        answer = await response_to(w.fake, await select(w.fake, w.releases, w.bob, fake_message, custom_id, values))
        assert answer.body["type"] == 4 and answer.body["data"]["flags"] & EPHEMERAL, custom_id
        assert answer.body["data"]["embeds"][0]["title"] == "Not valid", custom_id
    await w.adapter.stop()
    await w.adapter.start()
    opened = await response_to(
        w.fake,
        await select(w.fake, w.releases, w.bob, message, menu["custom_id"], [option(menu, "Name the base model")]),
    )
    answer = await response_to(
        w.fake, await submit_modal(w.fake, w.releases, w.bob, opened.body["data"], {"reason": "after a restart"})
    )
    assert answer.body["type"] == 4
    assert await w.flags(rid) == [("credit-base-model", "after a restart")]


async def test_each_step_is_checked_by_the_core(w: World) -> None:
    """The creator cannot review their own release, whether by the button or by a step of a form that
    someone else opened (its custom id replayed): the core refuses, nothing is stored."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    refused = await response_to(w.fake, await press(w.fake, w.releases, w.alice, prompt, payloads_of(prompt)[2]))
    assert refused.body["data"]["embeds"][0]["title"] == "Not allowed"
    message = await shown(w, await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[2]))
    menu = selects_of(message)[0]
    answer = await response_to(
        w.fake, await select(w.fake, w.releases, w.alice, message, menu["custom_id"], [option(menu, "No")])
    )
    assert answer.body["data"]["embeds"][0]["title"] == "Not allowed"
    async with w.store.transaction() as tx:
        assert await tx.reviews.of_release(rid) == []
