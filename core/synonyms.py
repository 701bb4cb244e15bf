"""Words that mean the same to search (sql/030): groups kept by the admins in the bot (/synonyms). A change is
audited and marks the catalog changed, so that the next search, past every cache, already knows it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import audit
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.unit_of_work import UnitOfWork

MAX_WORDS = 10
MAX_WORD_LENGTH = 40

# Commas, semicolons or new lines part the words of a group; a word is one word ("mobil telefon" is two).
_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class Group:
    id: int
    words: tuple[str, ...]  # as the admins wrote them, in alphabetical order


async def groups(conn: Conn) -> list[Group]:
    rows = await conn.fetch(
        """
        SELECT g.id, array_agg(s.word ORDER BY s.word) AS words
          FROM search_synonym_groups g
          JOIN search_synonyms s ON s.group_id = g.id
         GROUP BY g.id
         ORDER BY g.id
        """
    )
    return [Group(row["id"], tuple(row["words"])) for row in rows]


def split(typed: str) -> list[str]:
    """The words of a group as an admin types them: "telefon, smartfon, смартфон"."""
    return [word.strip() for word in _SEPARATORS.split(typed) if word.strip()]


async def add_group(uow: UnitOfWork, words: list[str], actor_id: int | None) -> Group:
    """A new group of words that mean the same. Two spellings search takes for one ("телефон", "telefon") are
    kept once. ValidationError (field "words") when it is not at least two words of letters."""
    if len(words) > MAX_WORDS:
        raise ValidationError(f"a group has at most {MAX_WORDS} words", "words")
    rows = await uow.conn.fetch(
        "SELECT word, search_latin(word) AS latin, search_terms(search_latin(word)) AS terms"
        " FROM unnest($1::text[]) WITH ORDINALITY AS typed(word, n) ORDER BY n",
        words,
    )
    kept: dict[str, str] = {}
    for row in rows:
        if len(row["word"]) > MAX_WORD_LENGTH or row["terms"] != [row["latin"]]:
            raise ValidationError(f"{row['word']!r} is not one word of letters", "words")
        kept.setdefault(row["latin"], row["word"])
    if len(kept) < 2:
        raise ValidationError("a group needs at least two different words", "words")
    group_id: int = await uow.conn.fetchval("INSERT INTO search_synonym_groups DEFAULT VALUES RETURNING id")
    await uow.conn.execute(
        "INSERT INTO search_synonyms (group_id, word) SELECT $1, word FROM unnest($2::text[]) AS word",
        group_id,
        list(kept.values()),
    )
    await audit.record(
        uow.conn, actor_id, audit.SYNONYMS_ADD, "search_synonym_group", group_id, new={"words": list(kept.values())}
    )
    uow.catalog_changed()
    return Group(group_id, tuple(sorted(kept.values())))


async def remove_group(uow: UnitOfWork, group_id: int, actor_id: int | None) -> Group:
    """Remove a group; NotFound when there is no such group (already removed)."""
    words = await uow.conn.fetchval(
        "SELECT array_agg(word ORDER BY word) FROM search_synonyms WHERE group_id = $1", group_id
    )
    if (await uow.conn.execute("DELETE FROM search_synonym_groups WHERE id = $1", group_id)).endswith(" 0"):
        raise NotFound("synonym group", group_id)
    await audit.record(
        uow.conn, actor_id, audit.SYNONYMS_REMOVE, "search_synonym_group", group_id, old={"words": words or []}
    )
    uow.catalog_changed()
    return Group(group_id, tuple(words or ()))
