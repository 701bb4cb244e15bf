"""What a customer typed, put into the catalog's own words (sql/010): each word with the dictionary words it
stands for (itself, the words that mean the same (sql/030) and their completions, or, for a typo, the closest
words), the categories it names, and the codes (SKU, barcode, model number) to be found as text."""

from __future__ import annotations

from dataclasses import dataclass

from core.db import Conn

# Longer queries are sentences pasted from somewhere: eight of their words are plenty to find it.
MAX_WORDS = 8

# Words of category names that name nothing on their own: "Uy uchun texnika" is not what "uchun" looks for.
CATEGORY_STOPWORDS = ("va", "uchun", "bilan", "dlya", "na", "po", "iz", "ot")

# What a typed word means: itself and the words of every synonym group it is in. A group's word also stands
# for its forms with a short ending ("telefonlar", "смартфоны" -> "smartfoni"): the typed word is looked up
# with up to 4 letters cut off its end, never shorter than 4 letters, by equality on the synonyms' index.
# A word's completions are what it, or a word it means, may be the start of (typing "sams" finds Samsung);
# only when none starts a catalog word is it taken for a typo and replaced by the nearest words (trigram
# similarity of at least pg_trgm.similarity_threshold, 0.3 by default). The categories it names are those
# with a name word that is one of these words or, from 4 letters on, starts with one ("smartfon" names
# "Smartfonlar"), with their subcategories. Dictionary and category lookups, never a scan of the products.
_WORDS = """
SELECT asked.word,
       meant.terms,
       ARRAY(SELECT DISTINCT found.word
               FROM unnest(meant.terms) AS term,
                    LATERAL (SELECT w.word FROM search_words w
                              WHERE w.word LIKE term || '%'
                              ORDER BY length(w.word), w.word LIMIT 20) AS found) AS completions,
       ARRAY(SELECT w.word FROM search_words w
              WHERE w.word % asked.word
              ORDER BY w.word <-> asked.word LIMIT 3) AS similar,
       ARRAY(WITH RECURSIVE named AS (
                 SELECT c.id FROM categories c
                  WHERE c.is_active
                    AND EXISTS (SELECT 1 FROM unnest(c.name_terms) AS name_word, unnest(meant.terms) AS term
                                 WHERE name_word <> ALL ($3::text[])
                                   AND (name_word = term OR (length(term) >= 4 AND name_word LIKE term || '%')))
                 UNION
                 SELECT c.id FROM categories c JOIN named ON c.parent_id = named.id WHERE c.is_active
             )
             SELECT id FROM named ORDER BY id) AS categories
  FROM unnest(search_terms(search_latin($1))) AS asked(word),
       LATERAL (SELECT ARRAY(
           SELECT asked.word
           UNION
           SELECT other.latin
             FROM search_synonyms own
             JOIN search_synonyms other ON other.group_id = own.group_id
            WHERE own.latin IN (SELECT left(asked.word, kept)
                                  FROM generate_series(least(length(asked.word), greatest(4, length(asked.word) - 4)),
                                                       length(asked.word)) AS kept)
       ) AS terms) AS meant
 LIMIT $2
"""


@dataclass(frozen=True)
class Word:
    variants: tuple[str, ...]  # the catalog words it stands for; empty when it only names categories
    best: tuple[str, ...]  # the variants that outrank the others, when they are not all equally good
    categories: tuple[int, ...] = ()  # the categories it names, and their subcategories

    @property
    def tsquery(self) -> str:
        """Any of its words, or the lexeme of a category it names (products.search_vector, sql/030)."""
        lexemes = [*self.variants, *(category_lexeme(category) for category in self.categories)]
        return " | ".join(_lexeme(lexeme) for lexeme in lexemes)

    @property
    def named(self) -> str:
        """A product of a category it names."""
        return " | ".join(_lexeme(category_lexeme(category)) for category in self.categories)


@dataclass(frozen=True)
class Needle:
    words: tuple[Word, ...]
    codes: tuple[str, ...]

    @property
    def names_categories(self) -> bool:
        return any(word.categories for word in self.words)

    def tsquery(self, every: bool) -> str:
        return (" & " if every else " | ").join(f"({word.tsquery})" for word in self.words)

    def rankings(self, every: bool) -> list[list[str]]:
        """The points of rank a match may earn, heaviest first, as one list of tsqueries per weight: first a
        product of a category a word names ("telefon" means a smartphone before a "telefon ushlagichi", a holder
        that merely has the word), then a word's best forms and, when a product needs only some of the words,
        each word it has. Empty when every match is as good as the next."""
        named = [word.named for word in self.words if word.categories]
        best = [" | ".join(_lexeme(form) for form in word.best) for word in self.words if word.best]
        found = best if every else [word.tsquery for word in self.words] + best
        return [points for points in (named, found) if points]


def category_lexeme(category_id: int) -> str:
    """A product's category in its search vector: "#12" (no word has a "#")."""
    return f"#{category_id}"


async def understand(conn: Conn, typed: str) -> Needle:
    # Split on spaces first: "AS-0777" is one code, not the words "as" and "0777".
    chunks = typed.split()
    codes = tuple(chunk for chunk in chunks if any(char.isdigit() for char in chunk))
    text = " ".join(chunk for chunk in chunks if chunk not in codes)
    rows = await conn.fetch(_WORDS, text, MAX_WORDS, list(CATEGORY_STOPWORDS)) if text else []
    words = []
    for row in rows:
        completions, similar = tuple(sorted(row["completions"])), tuple(row["similar"])
        categories = tuple(row["categories"])
        if completions:
            # "fen" before "fenix": the word itself, or a word it means, first when it is a whole word; mere
            # completions are equal.
            exact = tuple(word for word in completions if word in row["terms"])
            words.append(Word(completions, exact if len(exact) < len(completions) else (), categories))
        elif similar:
            words.append(Word(similar, similar[:1] if len(similar) > 1 else (), categories))
        elif categories:
            words.append(Word((), (), categories))
        # else a word the catalog has not even nearly (a brand it does not sell): left out, so that the others
        # still find what the catalog has.
    return Needle(tuple(words), codes)


def _lexeme(word: str) -> str:
    """A tsquery operand taken literally. Dictionary words are letters only; the quoting is for any other."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
