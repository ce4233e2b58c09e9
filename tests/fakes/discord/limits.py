"""Discord's limits on what a bot sends, checked by the fake so a test fails where Discord would answer
400 / 50035 "Invalid Form Body". Each check returns the problem (Discord's wording) or None."""

from __future__ import annotations

from tests.fakes.discord.payloads import JSON

__all__ = ["invalid_body", "invalid_choices", "invalid_components", "invalid_modal"]


def invalid_body(data: JSON) -> str | None:
    """Discord's limits on a message body (400 / 50035 Invalid Form Body when broken): content 2000,
    10 embeds of title 256, description 4096, 25 fields of 256/1024, footer 2048 and 6000 in all; button
    labels 80, custom ids 100."""
    if len(data.get("content") or "") > 2000:
        return "content: Must be 2000 or fewer in length."
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        return "embeds: Must be 10 or fewer in length."
    for i, embed in enumerate(embeds):
        fields = embed.get("fields") or []
        footer = (embed.get("footer") or {}).get("text") or ""
        parts = [embed.get("title") or "", embed.get("description") or "", footer]
        parts += [str(f.get("name", "")) + str(f.get("value", "")) for f in fields]
        limits = [
            (len(embed.get("title") or ""), 256, "title"),
            (len(embed.get("description") or ""), 4096, "description"),
            (len(footer), 2048, "footer.text"),
            (len(fields), 25, "fields"),
            (sum(len(p) for p in parts), 6000, "(total)"),
        ]
        limits += [(len(str(f.get("name", ""))), 256, f"fields.{j}.name") for j, f in enumerate(fields)]
        limits += [(len(str(f.get("value", ""))), 1024, f"fields.{j}.value") for j, f in enumerate(fields)]
        for size, limit, where in limits:
            if size > limit:
                return f"embeds.{i}.{where}: Must be {limit} or fewer in length."
    return invalid_components(data.get("components") or [])


def invalid_components(rows: list[JSON]) -> str | None:
    """Message components: at most 5 action rows; a row holds up to 5 buttons or one select; button labels
    80, custom ids 100 (unique in the message); a string select has 1-25 options of label 1-100, value
    1-100, description 100, a placeholder of 150, and at most `max_values` options marked default."""
    if len(rows) > 5:
        return "components: Must be 5 or fewer in length."
    seen: set[str] = set()
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= 5:
            return f"components.{i}: an action row holds 1 to 5 components."
        selects = [c for c in children if c.get("type") == 3]
        pickers = [c for c in children if c.get("type") in (5, 6, 7, 8)]  # user, role, mentionable, channel
        if (selects or pickers) and len(children) != 1:
            return f"components.{i}: a select menu takes a whole action row."
        for picker in pickers:
            low, high = int(picker.get("min_values", 1)), int(picker.get("max_values", 1))
            if not 0 <= low <= high <= 25 or len(picker.get("default_values") or []) > high:
                return f"components.{i}.components.0: min_values, max_values or default_values out of range."
            if len(picker.get("placeholder") or "") > 150:
                return f"components.{i}.components.0.placeholder: Must be 150 or fewer in length."
        for component in children:
            custom_id = component.get("custom_id") or ""
            if len(component.get("label") or "") > 80 or len(custom_id) > 100:
                return "components: label or custom_id too long."
            if custom_id in seen:
                return "components: custom_id must be unique in a message."
            seen.add(custom_id)
        for select in selects:
            options = select.get("options") or []
            if not 1 <= len(options) <= 25:
                return f"components.{i}.components.0.options: Must be between 1 and 25 in length."
            if len(select.get("placeholder") or "") > 150:
                return f"components.{i}.components.0.placeholder: Must be 150 or fewer in length."
            for option in options:
                if not 1 <= len(option.get("label") or "") <= 100 or not 1 <= len(option.get("value") or "") <= 100:
                    return f"components.{i}.components.0.options: label and value must be 1 to 100 long."
                if len(option.get("description") or "") > 100:
                    return f"components.{i}.components.0.options: description must be 100 or fewer long."
            if sum(1 for o in options if o.get("default")) > int(select.get("max_values") or 1):
                return f"components.{i}.components.0.options: too many default options."
    return None


def invalid_modal(data: JSON) -> str | None:
    """A modal: title 45, at most 5 inputs, labels 45, placeholders 100, custom ids 100."""
    if not 1 <= len(data.get("title") or "") <= 45:
        return "title: Must be between 1 and 45 in length."
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        return "components: Must be between 1 and 5 in length."
    for row in rows:
        for component in row.get("components") or [row.get("component") or {}]:
            label = component.get("label") or row.get("label") or ""
            if not label or len(label) > 45 or len(component.get("placeholder") or "") > 100:
                return "components: label or placeholder too long."
    return None


def invalid_choices(data: JSON) -> str | None:
    """Autocomplete: at most 25 choices, names and values 1-100 characters."""
    choices = data.get("choices") or []
    if len(choices) > 25:
        return "choices: Must be 25 or fewer in length."
    if any(not 1 <= len(str(c.get("name", ""))) <= 100 or len(str(c.get("value", ""))) > 100 for c in choices):
        return "choices: name or value too long."
    return None
