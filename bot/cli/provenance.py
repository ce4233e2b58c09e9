"""`normbot keys show`, `normbot claim verify RECEIPT`, `normbot claim receipt <sha256|link>`.

Verification is offline: it needs the receipt and the community's public key (from `--key`, or the local
key directory when run on the bot's host), nothing else. Exit codes: 0 valid, 1 invalid (with the reason),
2 usage errors (missing file, bad key), 3 the store (`bot/cli/failures.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._async import fail, run
from bot.cli.app import EXIT_FINDINGS, app
from bot.cli.stores import DbOption, open_store, store_url
from moderation.provenance import KeyProblem, KeyStore, canonical, load_public_key, parse_claim_value, verify_receipt
from moderation.provenance.receipts import MAX_RECEIPT_BYTES

keys_app = typer.Typer(help="The community signing key.", no_args_is_help=True)
claim_app = typer.Typer(help="Signed claim receipts.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(claim_app, name="claim")

KeyDirOption = Annotated[
    Path | None, typer.Option("--key-dir", help="Key directory (default: NORMBOT_KEY_DIR or ./data/keys)")
]


def _keystore(key_dir: Path | None) -> KeyStore:
    return KeyStore(key_dir) if key_dir is not None else KeyStore()


@keys_app.command("show")
def keys_show(key_dir: KeyDirOption = None) -> None:
    """Print the public key and its id (the private key is generated on first use and never printed)."""
    keys = _keystore(key_dir)
    existed = keys.exists()
    try:
        key_id, b64, pem = keys.key_id(), keys.public_b64(), keys.public_pem()
    except KeyProblem as exc:
        raise fail(str(exc)) from None
    if not existed:
        typer.echo(f"generated a new key in {keys.directory}", err=True)
    typer.echo(f"key id:     {key_id}")
    typer.echo(f"public key: {b64}")
    typer.echo(pem.rstrip())


@claim_app.command("verify")
def claim_verify(
    receipt: Annotated[str, typer.Argument(help="Receipt file, or - for standard input")],
    key: Annotated[
        str | None, typer.Option("--key", help="Trusted public key: base64, PEM, or a file holding either")
    ] = None,
    key_dir: KeyDirOption = None,
) -> None:
    """Check a receipt offline: exit 0 when valid, 1 when not (the reason is printed)."""
    try:
        if receipt == "-":
            data = sys.stdin.buffer.read(MAX_RECEIPT_BYTES + 1)
        else:
            with Path(receipt).open("rb") as f:
                data = f.read(MAX_RECEIPT_BYTES + 1)  # enough to tell "too large" without reading it all
    except OSError as exc:
        raise fail(f"cannot read {receipt}: {exc.strerror or exc}") from None
    trusted = []
    if key is not None:
        text = key
        candidate = Path(key)
        try:
            if len(key) < 4096 and candidate.is_file():
                text = candidate.read_text(encoding="ascii", errors="replace")
            trusted.append(load_public_key(text))
        except (KeyProblem, OSError) as exc:
            raise fail(f"--key: {exc}") from None
    else:
        keys = _keystore(key_dir)
        if keys.exists():
            try:
                trusted.append(keys.public_key())
            except KeyProblem as exc:
                raise fail(str(exc)) from None
    verdict = verify_receipt(data, trusted)
    if verdict.valid:
        typer.echo(verdict.reason)
        return
    typer.echo(f"invalid: {verdict.reason}")
    raise typer.Exit(EXIT_FINDINGS)


@claim_app.command("receipt")
def claim_receipt(
    value: Annotated[str, typer.Argument(help="A SHA-256, AutoV2, or Hugging Face / Civitai model link")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the receipt to this file")] = None,
    db: DbOption = None,
) -> None:
    """Write the receipt of the EARLIEST claim on a hash or link (canonical JSON)."""
    parsed = parse_claim_value(value)
    if parsed is None:
        raise fail(f"{value[:60]!r} is not a SHA-256, AutoV2 or Hugging Face / Civitai model link")

    url = store_url(db)

    async def go() -> dict[str, object] | None:
        async with open_store(url) as store, store.transaction() as tx:
            row = await tx.claims.earliest(parsed.kind, parsed.value)
            return dict(row.receipt) if row is not None and row.receipt else None

    found = run(go())
    if found is None:
        typer.echo(f"no signed claim on {parsed.label}", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    text = canonical(found).decode("ascii") + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="ascii")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote the receipt of the earliest claim on {parsed.label} to {output}", err=True)
