"""What a customer typed, put into the catalog's own words (sql/010): each word with the dictionary words it
stands for (itself and its completions, or, for a typo, the closest words), and the codes (SKU, barcode,
model number) to be found as text."""

from __future__ import annotations

from dataclasses import dataclass

from core.db import Conn

# Longer queries are sentences pasted from somewhere: eight of their words are plenty to find it.
MAX_WORDS = 8

# A word's completions are what it may be the start of (typing "sams" finds Samsung); only when it starts no
# catalog word at all is it taken for a typo and replaced by the nearest words (trigram similarity of at
# least pg_trgm.similarity_threshold, 0.3 by default). Dictionary lookups, never a scan of the products.
_WORDS = """
SELECT asked.word,
       ARRAY(SELECT w.word FROM search_words w
              WHERE w.word LIKE asked.word || '%'
              ORDER BY length(w.word), w.word LIMIT 20) AS completions,
       ARRAY(SELECT w.word FROM search_words w
              WHERE w.word % asked.word
              ORDER BY w.word <-> asked.word LIMIT 3) AS similar
  FROM unnest(search_terms(search_latin($1))) AS asked(word)
 LIMIT $2
"""


@dataclass(frozen=True)
class Word:
    variants: tuple[str, ...]  # the catalog words it stands for, never empty
    best: str | None  # the variant that outranks the others, when they are not equally good

    @property
    def tsquery(self) -> str:
        return " | ".join(_lexeme(variant) for variant in self.variants)


@dataclass(frozen=True)
class Needle:
    words: tuple[Word, ...]
    codes: tuple[str, ...]

    def tsquery(self, every: bool) -> str:
        return (" & " if every else " | ").join(f"({word.tsquery})" for word in self.words)

    def rankings(self, every: bool) -> list[str]:
        """One tsquery per point of rank a match may earn: a word's best form, and, when a product needs only
        some of the words, each word it has. Empty when every match is as good as the next."""
        best = [_lexeme(word.best) for word in self.words if word.best is not None]
        return best if every else [word.tsquery for word in self.words] + best


async def understand(conn: Conn, typed: str) -> Needle:
    # Split on spaces first: "AS-0777" is one code, not the words "as" and "0777".
    chunks = typed.split()
    codes = tuple(chunk for chunk in chunks if any(char.isdigit() for char in chunk))
    text = " ".join(chunk for chunk in chunks if chunk not in codes)
    rows = await conn.fetch(_WORDS, text, MAX_WORDS) if text else []
    words = []
    for row in rows:
        completions, similar = tuple(row["completions"]), tuple(row["similar"])
        if completions:
            # "fen" before "fenix": the word itself first when it is a whole word; mere completions are equal.
            best = row["word"] if row["word"] in completions and len(completions) > 1 else None
            words.append(Word(completions, best))
        elif similar:
            words.append(Word(similar, similar[0] if len(similar) > 1 else None))
        # else a word the catalog has not even nearly (a brand it does not sell): left out, so that the others
        # still find what the catalog has.
    return Needle(tuple(words), codes)


def _lexeme(word: str) -> str:
    """A tsquery operand taken literally. Dictionary words are letters only; the quoting is for any other."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
