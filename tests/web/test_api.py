"""The JSON API on a store filled by the real console demo, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx

from norms import load_builtin
from storage import ReleaseFilter, Store
from tests.web.conftest import Demo, utc

SLUG = "pixel-forge"
STARTER = Path(__file__).resolve().parents[2] / "norms" / "packs" / "starter.yaml"


async def _community_id(store: Store) -> int:
    async with store.transaction() as tx:
        c = await tx.communities.by_slug(SLUG)
        assert c is not None
        return c.id


async def test_communities_lists_counts_from_the_store(client: httpx.AsyncClient, demo: Demo) -> None:
    """/api/v1/communities gives each community's release count and per-status counts as stored."""
    cid = await _community_id(demo.store)
    async with demo.store.transaction() as tx:
        statuses = Counter(r.status for r in await tx.releases.page(cid, limit=100))
    body = (await client.get("/api/v1/communities")).json()
    [c] = body["communities"]
    assert c["slug"] == SLUG and c["name"] == "Pixel Forge"
    assert c["releases"] == sum(statuses.values()) == 3
    assert c["by_status"] == dict(statuses)


async def test_releases_newest_first_with_creators(client: httpx.AsyncClient) -> None:
    """The listing is newest first and names each release's creator."""
    body = (await client.get(f"/api/v1/communities/{SLUG}/releases")).json()
    assert body["total"] == 3 and body["page"] == 1 and body["pages"] == 1
    assert [r["ref"] for r in body["releases"]] == ["R3", "R2", "R1"]
    assert [r["creator"] for r in body["releases"]] == ["zed", "kai", "ada"]
    assert body["filters"]["choices"]["model_type"] == ["checkpoint", "lora"]


async def test_filters_by_status_type_base_and_search(client: httpx.AsyncClient) -> None:
    """Each filter narrows the listing, and they combine."""
    url = f"/api/v1/communities/{SLUG}/releases"

    async def refs(**params: str) -> list[str]:
        response = await client.get(url, params=params)
        assert response.status_code == 200, response.text
        return [r["ref"] for r in response.json()["releases"]]

    assert await refs(status="endorsed") == ["R1"]
    assert await refs(model_type="lora") == ["R3", "R1"]
    assert await refs(base_model="SD 1.5") == ["R2"]
    assert await refs(q="velvet") == ["R2"]
    assert await refs(q="NEON") == ["R1"]
    assert await refs(q="%") == []  # a literal percent sign, not a wildcard
    assert await refs(model_type="lora", status="changes_requested") == ["R3"]  # two upheld block flags
    assert await refs(status="", model_type="") == ["R3", "R2", "R1"]  # an untouched form means "any"


async def test_need_filter_follows_the_latest_norm_check(client: httpx.AsyncClient, demo: Demo) -> None:
    """`need=X` keeps exactly the releases whose latest check has a failing norm of need X."""
    cid = await _community_id(demo.store)
    async with demo.store.transaction() as tx:
        expected: dict[str, set[str]] = {"harms": set(), "credit": set(), "ownership": set()}
        for r in await tx.releases.page(cid, limit=100):
            latest = await tx.norm_checks.latest(r.id)
            assert latest is not None
            for result in latest[1]:
                if result.outcome == "fail":
                    expected[result.need].add(f"R{r.id}")
    assert expected["ownership"], "the demo should leave at least one ownership failure"
    for need, refs in expected.items():
        body = (await client.get(f"/api/v1/communities/{SLUG}/releases", params={"need": need})).json()
        assert {r["ref"] for r in body["releases"]} == refs, need


async def test_pagination_25_a_page(client: httpx.AsyncClient, demo: Demo) -> None:
    """60 releases make three pages of 25, 25 and 10 with no release on two pages."""
    cid = await _community_id(demo.store)
    async with demo.store.transaction() as tx:
        creator = await tx.accounts.upsert("console", "bulk", "bulk", utc(2026, 1, 1))
        for i in range(57):
            await tx.releases.add(
                community_id=cid,
                creator_id=creator.id,
                release_key=f"bulk-{i}@v1",
                model_name=f"Bulk Model {i:02d}",
                version="v1",
                model_type="lora",
                base_model="SDXL 1.0",
                fields_json={"model_name": f"Bulk Model {i:02d}", "version": "v1"},
                text="bulk",
                status="announced",
                created_at=utc(2026, 1, 1),
                updated_at=utc(2026, 1, 1),
            )
    seen: list[int] = []
    sizes = []
    for page in (1, 2, 3):
        body = (await client.get(f"/api/v1/communities/{SLUG}/releases", params={"page": page})).json()
        assert body["total"] == 60 and body["pages"] == 3
        sizes.append(len(body["releases"]))
        seen.extend(r["id"] for r in body["releases"])
    assert sizes == [25, 25, 10]
    assert len(set(seen)) == 60 and seen == sorted(seen, reverse=True)
    body = (await client.get(f"/api/v1/communities/{SLUG}/releases", params={"page": 2, "q": "bulk model 1"})).json()
    assert body["total"] == 10 and body["releases"] == []  # ten matches fit on page 1


async def test_bad_parameters_are_422_json(client: httpx.AsyncClient) -> None:
    """Unknown status or need, page 0 and over-long values get a 422 JSON body naming the parameter."""
    url = f"/api/v1/communities/{SLUG}/releases"
    for params, name in (
        ({"status": "bogus"}, "status"),
        ({"need": "vibes"}, "need"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"q": "x" * 101}, "q"),
    ):
        response = await client.get(url, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/json")
        assert name in response.json()["detail"]


async def test_unknown_things_are_404_json(client: httpx.AsyncClient) -> None:
    """Unknown communities and releases are 404 with a JSON message, never a traceback."""
    for url in (
        "/api/v1/communities/nope/releases",
        "/api/v1/communities/nope/norms",
        "/api/v1/releases/999",
        "/api/v1/releases/R-1",
        "/api/v1/releases/99999999999999999999999",
    ):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"] == "Not found"


async def test_release_detail_matches_the_store(client: httpx.AsyncClient, demo: Demo) -> None:
    """R2's fields, announcement, latest check (digest, every result), endorsers and review come from the store."""
    cid = await _community_id(demo.store)
    async with demo.store.transaction() as tx:
        latest = await tx.norm_checks.latest(2)
        announcement = await tx.announcements.latest_release_in_chat("console", "releases")
        assert latest is not None and announcement is not None
    body = (await client.get("/api/v1/releases/R2")).json()
    assert body["ref"] == "R2" and body["community"]["slug"] == SLUG and cid
    assert body["fields"]["license"] == "creativeml-openrail-m"  # from the `/release edit`
    assert body["creator"] == "kai"
    assert "Velvet Mix" in body["announcements"][0]["text"]
    check = body["norm_check"]
    assert check["pack_digest"] == latest[0].pack_digest
    assert [(r["norm_id"], r["outcome"]) for r in check["results"]] == [(r.norm_id, r.outcome) for r in latest[1]]
    titles = {n.id: n.title for n in load_builtin("baseline").norms}
    assert all(r["title"] == titles.get(r["norm_id"]) for r in check["results"])
    assert any(r["title"] for r in check["results"])
    assert body["endorsements"] == ["dee"]
    [review] = body["reviews"]
    assert review["reviewer"] == "dee"
    assert {a["norm_id"]: a["answer"] for a in review["answers"]} == {
        "harm-real-person-consent": "no",
        "own-no-reupload": "yes",
    }
    assert (await client.get("/api/v1/releases/2")).json() == body


async def test_resolved_flags_show_outcome_and_note_only(client: httpx.AsyncClient) -> None:
    """R3 shows its three resolved flags with outcome and moderator note, in order, and no reporter field."""
    body = (await client.get("/api/v1/releases/3")).json()
    flags = body["resolved_flags"]
    assert [(f["norm_id"], f["outcome"]) for f in flags] == [
        ("own-no-reupload", "upheld"),
        ("own-no-reupload", "upheld"),
        ("credit-base-model", "dismissed"),
    ]
    assert flags[2]["moderator_note"] == "Pony is named in the announcement"
    assert all(set(f) == {"norm_id", "outcome", "moderator_note", "resolved_at"} for f in flags)


async def test_lineage_parents_children_and_versions(client: httpx.AsyncClient, demo: Demo) -> None:
    """The merge R2 names Neon Dreams (R1) as a parent, so R1 lists R2 as a child; versions link both ways."""
    r2 = (await client.get("/api/v1/releases/2")).json()["lineage"]
    assert [p["ref"] for p in r2["parents"]] == ["R1"]
    assert "Pastel Haze" in r2["parents_not_in_registry"]
    r1 = (await client.get("/api/v1/releases/1")).json()["lineage"]
    assert [c["ref"] for c in r1["children"]] == ["R2"]
    assert r1["previous_version"] is None and r1["next_versions"] == []
    cid = await _community_id(demo.store)
    async with demo.store.transaction() as tx:
        release = await tx.releases.get(cid, 1)
        assert release is not None
        v3 = await tx.releases.add(
            community_id=cid,
            creator_id=release.creator_id,
            release_key="neon dreams@v3",
            model_name="Neon Dreams",
            version="v3",
            fields_json={"model_name": "Neon Dreams", "version": "v3"},
            text="v3",
            previous_id=1,
            created_at=utc(2026, 2, 1),
            updated_at=utc(2026, 2, 1),
        )
    r1 = (await client.get("/api/v1/releases/1")).json()["lineage"]
    assert [x["ref"] for x in r1["next_versions"]] == [f"R{v3.id}"]
    new = (await client.get(f"/api/v1/releases/{v3.id}")).json()["lineage"]
    assert new["previous_version"]["ref"] == "R1"


async def test_claims_from_the_claims_table(client: httpx.AsyncClient, demo: Demo) -> None:
    """Every claim stored for a release appears on it (kind, value, time, whether a receipt was signed)."""
    cid = await _community_id(demo.store)
    link = "https://example.org/neon-dreams-v2-first-upload"
    async with demo.store.transaction() as tx:
        release = await tx.releases.get(cid, 1)
        assert release is not None
        await tx.claims.add(
            community_id=cid,
            account_id=release.creator_id,
            release_id=1,
            kind="link",
            value=link,
            receipt=None,
            created_at=utc(2026, 1, 5, 9, 30),
        )
        stored = await tx.claims.of_release(1)
    claims = (await client.get("/api/v1/releases/1")).json()["claims"]
    assert [(c["kind"], c["value"], c["signed"]) for c in claims] == [
        (c.kind, c.value, c.receipt is not None) for c in stored
    ]
    assert {"kind": "link", "value": link, "claimed_at": "2026-01-05T09:30:00Z", "signed": False} in claims


async def test_norms_configured_pack_then_adopted_revision(client: httpx.AsyncClient, demo: Demo) -> None:
    """The norms API shows the configured baseline, then the latest pack adopted in chat once there is one."""
    baseline = load_builtin("baseline")
    body = (await client.get(f"/api/v1/communities/{SLUG}/norms")).json()["pack"]
    assert (body["id"], body["digest"], body["revision"]) == ("baseline", baseline.digest, None)
    assert [n["id"] for n in body["norms"]] == [n.id for n in baseline.norms]
    source = STARTER.read_text(encoding="utf-8")
    cid = await _community_id(demo.store)
    async with demo.store.transaction() as tx:
        await tx.pack_revisions.add(
            cid, digest="d" * 64, pack_id="starter", version="0.1.0", source=source, author="x", at=utc(2026, 2, 1)
        )
    body = (await client.get(f"/api/v1/communities/{SLUG}/norms")).json()["pack"]
    assert body["id"] == "starter" and body["revision"] == 1
    assert "harm-intended-use" in body["switched_off"]
    assert "harm-intended-use" not in [n["id"] for n in body["norms"]]
    assert "x" not in body["origin"]  # who adopted it is an account id: not shown


async def test_openapi_schema_served_and_docs_off(client: httpx.AsyncClient) -> None:
    """/openapi.json documents the four API routes (and no page); /docs and /redoc (CDN assets) are off."""
    schema = (await client.get("/openapi.json")).json()
    assert set(schema["paths"]) == {
        "/api/v1/communities",
        "/api/v1/communities/{slug}/releases",
        "/api/v1/releases/{release_id}",
        "/api/v1/communities/{slug}/norms",
    }
    params = {p["name"] for p in schema["paths"]["/api/v1/communities/{slug}/releases"]["get"]["parameters"]}
    assert {"status", "model_type", "base_model", "need", "q", "page"} <= params
    assert (await client.get("/docs")).status_code == 404
    assert (await client.get("/redoc")).status_code == 404


async def test_registry_functions_agree_with_the_api(demo: Demo) -> None:
    """`storage.registry.list_releases` combined filters return the same rows the API shows."""
    cid = await _community_id(demo.store)
    async with demo.store.transaction() as tx:
        page = await tx.registry.list_releases(cid, ReleaseFilter(model_type="lora", search="neon"))
    assert [(r.id, creator) for r, creator in page.releases] == [(1, "ada")] and page.total == 1
