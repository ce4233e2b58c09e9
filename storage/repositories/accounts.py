"""`Accounts`: platform accounts, the persons `/link` joins them into, pinned handles, one-time link codes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update

from storage.models import (
    Account,
    HandlePin,
    LinkCode,
    Person,
)
from storage.repositories.base import Repository

__all__ = ["Accounts"]

_ACCOUNT_BY_USER = select(Account).where(
    Account.platform == bindparam("platform"), Account.user_id == bindparam("user_id")
)


class Accounts(Repository):
    """Platform accounts, the persons `/link` joins them into, pinned handles and link codes."""

    async def upsert(self, platform: str, user_id: str, name: str, at: datetime) -> Account:
        """The account for a platform user, created on first sight; keeps the latest display name."""
        params = {"platform": platform, "user_id": user_id}
        row = (await self.s.execute(_ACCOUNT_BY_USER, params)).scalar_one_or_none()
        if row is None:
            # First sight: INSERT ... RETURNING gives the new row (bursts are mostly new members: one round
            # trip instead of two); on a conflict another unit of work created it a moment ago, so read it.
            values = {"platform": platform, "user_id": user_id, "display_name": name[:200], "created_at": at}
            new = self.dialect_insert(Account).values(**values).on_conflict_do_nothing().returning(Account)
            row = (await self.s.execute(new)).scalar_one_or_none()
            if row is None:
                row = (await self.s.execute(_ACCOUNT_BY_USER, params)).scalar_one()
        elif row.display_name != name[:200] and not row.redacted:
            row.display_name = name[:200]
        return row

    async def get(self, account_id: int) -> Account | None:
        """An account by id."""
        return await self.s.get(Account, account_id)

    async def by_ids(self, ids: Iterable[int]) -> list[Account]:
        """Many accounts in one query (lineage and reputation list every creator of a community)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        return list((await self.s.execute(select(Account).where(Account.id.in_(wanted)))).scalars())

    async def by_name(self, platform: str, name: str) -> Account | None:
        """An account by display name on a platform (console and `profile @name`)."""
        stmt = select(Account).where(Account.platform == platform, func.lower(Account.display_name) == name.lower())
        return (await self.s.execute(stmt.limit(1))).scalar_one_or_none()

    async def of_person(self, account: Account) -> list[int]:
        """Ids of every account linked to the same person as `account` (itself when unlinked)."""
        if account.person_id is None:
            return [account.id]
        stmt = select(Account.id).where(Account.person_id == account.person_id)
        return list((await self.s.execute(stmt)).scalars())

    async def person_keys(self, account_ids: Sequence[int]) -> dict[int, int]:
        """Account id -> the key of its person (the person id, or the negated account id when unlinked), so
        counts of reporters or endorsers count people rather than accounts."""
        if not account_ids:
            return {}
        stmt = select(Account.id, Account.person_id).where(Account.id.in_(set(account_ids)))
        return {aid: (pid if pid is not None else -aid) for aid, pid in (await self.s.execute(stmt)).all()}

    async def pin_handle(self, platform: str, handle: str, user_id: str, at: datetime) -> tuple[str, bool]:
        """(the user id the handle is pinned to, whether this call pinned it). The first account seen with
        the handle wins; the unique constraint settles a race between replicas."""
        handle = handle.lower().lstrip("@")
        created = await self.insert_ignore(
            HandlePin.__table__,
            {"platform": platform, "handle": handle, "user_id": user_id, "pinned_at": at},
        )
        stmt = select(HandlePin.user_id).where(HandlePin.platform == platform, HandlePin.handle == handle)
        return str((await self.s.execute(stmt)).scalar_one()), created

    async def handle_pins(self) -> list[HandlePin]:
        """Every pinned handle, for operators (`normbot handles`)."""
        return list((await self.s.execute(select(HandlePin).order_by(HandlePin.platform, HandlePin.handle))).scalars())

    async def unpin_handle(self, platform: str, handle: str) -> bool:
        """Forget a pin (an operator's decision: the handle's owner changed accounts); False when none."""
        result = await self.s.execute(
            delete(HandlePin).where(HandlePin.platform == platform, HandlePin.handle == handle.lower().lstrip("@"))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def create_link_code(self, account_id: int, code: str, expires_at: datetime) -> None:
        """Store a one-time code that proves control of `account_id`."""
        await self.s.execute(delete(LinkCode).where(LinkCode.account_id == account_id))
        self.s.add(LinkCode(code=code, account_id=account_id, expires_at=expires_at))

    async def redeem_link_code(self, code: str, account_id: int, at: datetime) -> Account | None:
        """Link `account_id` to the person of the code's account; None when the code is unknown or expired."""
        row = await self.s.get(LinkCode, code)
        if row is None:
            return None
        await self.s.delete(row)
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=at.tzinfo)
        if expires < at or row.account_id == account_id:
            return None
        first = await self.s.get(Account, row.account_id)
        second = await self.s.get(Account, account_id)
        if first is None or second is None:
            return None
        if first.person_id is None:
            person = Person(created_at=at)
            self.s.add(person)
            await self.s.flush()
            first.person_id = person.id
        if second.person_id is not None and second.person_id != first.person_id:
            # `second` was already one person with other accounts: all of them join, or that person would be
            # split in two and its accounts counted twice.
            await self.s.execute(
                update(Account)
                .where(Account.person_id == second.person_id)
                .values(person_id=first.person_id)
                .execution_options(synchronize_session="fetch")
            )
        second.person_id = first.person_id
        return first

    async def by_user(self, platform: str, user_id: str) -> Account | None:
        """The account of a platform user, if seen before (the mod log names the moderator who acted; a Discord
        mention `<@123>` names the id, not the name)."""
        params = {"platform": platform, "user_id": user_id}
        return (await self.s.execute(_ACCOUNT_BY_USER, params)).scalar_one_or_none()
