"""Tell when a question or an answer is not grounded in the manuals.

Dense retrieval always returns something, so a question about a product the manuals never
name still gets passages, and a small model answers from them anyway. Checking that the
question's specific names occur in the collection, and recognising the model's own
refusals, lets the caller say "not in the manuals" instead.

Both checks are conservative: a term wrongly called distinctive, or an answer wrongly
called a refusal, turns a good answer into a refusal.
"""

import re
from collections.abc import Callable, Sequence

from answering.sentinel import LEGACY_SENTINEL, NO_ANSWER_SENTINEL

_TOKEN = re.compile(r"\w(?:[\w.\-]*\w)?")
# A span the answer quotes in backticks; citations read the same spans.
BACKTICKED = re.compile(r"`([^`\n]+)`")
_IDENTIFIER = re.compile(r"[^\W\d_][\w.\-]{3,}[^\W_]")
_EXTENSION = re.compile(r"(?<![\w.])\.([a-z0-9]{2,5})\b", re.IGNORECASE)
_QUOTED = re.compile(r"\"([^\"\n]+)\"|\u201c([^\u201d\n]+)\u201d|(?<!\w)'([^'\n]+)'(?!\w)")
_CAMEL_CASE = re.compile(r"[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")
_ALL_CAPS = re.compile(r"[A-Z]{2,}")
_ALL_CAPS_PLURAL = re.compile(r"[A-Z]{2,}s")
# Numbers with a unit or an ordinal ("10mm", "5GHz", "230V", "3rd", "4K"): a manual may
# write them with a space or another unit, so they name nothing specific.
_MEASUREMENT = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th|%|[a-z\u00b5\u00b0]{1,4})?|(?:mm|cm|m|km|in|ft)[23]", re.I)
# "e.g", "i.e", "U.S": dotted abbreviations, not file or host names.
_DOTTED_ABBREVIATION = re.compile(r"(?:[a-z]\.)+[a-z]", re.IGNORECASE)
_SENTENCE_START = ".!?:;\n"
_LEADING_OPENERS = " \t\"'\u201c\u2018(["
# Where a question capitalises this share of its words, capitals say nothing about names.
_SHOUTED_OR_TITLE_CASE_SHARE = 0.6
# A letter-digit boundary, with the separator a manual might put there ("P-400", "P 400").
_LETTER_DIGIT_BOUNDARY = re.compile(r"(?<=[^\W\d_])[- ]?(?=\d)|(?<=\d)[- ]?(?=[^\W\d_])")
# A compound whose every part is capitalised names something ("Wi-Fi", "Split-Brain"), unlike
# "built-in" or "Fast-oscillating" at the start of a sentence.
_CAPITALISED_COMPOUND = re.compile(r"[A-Z][a-z]*(?:-[A-Z][a-z]*)+")
# A file or directory path from the root ("/etc/cups/cupsd.conf"; one part alone, "/etc", is
# left out), from home or from here ("~/.lpoptions", "./configure"); not a URL's path, which
# follows a host name.
_PATH = re.compile(r"(?<![\w/~.:])(?:~|\$HOME|\.{1,2})?/[\w.\-*]+(?:/[\w.\-*]+)*")
_HOME = re.compile(r"^(?:~|\$HOME)/")
# Names a manual may word otherwise: each counts as found when the collection has any of these.
_WORDED_OTHERWISE = {"wi-fi": ("wifi", "wi fi", "wireless", "wlan")}

# fmt: off
# Acronyms that manuals often spell out or word differently ("the power light" for LED).
_EVERYDAY_ACRONYMS = frozenset({
    "ok", "on", "off", "am", "pm", "pdf", "faq", "id", "pc", "tv", "us", "uk", "eu", "usa", "asap", "fyi", "diy",
    "aka", "eta", "nb", "ps", "vs", "etc", "ac", "dc", "led", "lcd", "usb", "pin", "sim", "hi",
})
# Words that people capitalise mid-sentence without naming a product: question words,
# titles of common UI elements, days, months.
_COMMON_WORDS = frozenset({
    "i", "a", "an", "the", "and", "or", "but", "if", "then", "so", "to", "of", "in", "on", "at", "for", "with",
    "by", "from", "about", "into", "after", "before", "is", "are", "was", "were", "be", "do", "does", "did",
    "can", "could", "should", "would", "will", "may", "might", "must", "have", "has", "had", "not", "no", "yes",
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "this", "that", "these", "those",
    "my", "your", "our", "their", "its", "it", "we", "you", "they", "he", "she", "me", "us", "them",
    "please", "thanks", "thank", "hello", "hi", "hey", "help", "support", "customer", "customers", "user", "users",
    "manual", "manuals", "guide", "section", "chapter", "page", "figure", "table", "note", "warning", "caution",
    "step", "steps", "error", "errors", "code", "codes", "model", "models", "device", "devices", "product",
    "unit", "settings", "setting", "setup", "menu", "mode", "button", "buttons", "screen", "display", "power",
    "reset", "start", "stop", "home", "back", "next", "enter", "cancel", "save", "delete", "edit", "open", "close",
    "auto", "advanced", "basic", "system", "network", "internet", "wireless", "battery",
    "firmware", "software", "update", "install", "installation", "service", "maintenance", "cleaning", "safety",
    "warranty", "troubleshooting", "app", "account", "admin", "administrator", "password", "login", "email",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "june", "july", "august", "september", "october", "november", "december", "english",
})
# fmt: on

_REFUSALS = re.compile(
    "|".join(
        [
            r"\b(?:sources?|context|documents?|manuals?|passages?|texts?|excerpts?) (?:do|does|did)(?: not|n't|nt) "
            r"(?:contain|mention|say|cover|include|provide|specify|state|describe|give|have|discuss|explain|answer)",
            r"\bnot (?:mentioned|covered|found|included|specified|stated|described|provided|given|addressed) "
            r"(?:in|by) the (?:provided |given |available )?(?:sources?|context|documents?|manuals?|passages?|texts?)",
            r"\b(?:there is|there's|i found|i could find|i can find) no (?:information|mention|details?)\b",
            r"\bi (?:do not|don't|dont|cannot|can't|can not|could not|couldn't|am unable to|'m unable to) "
            r"(?:know|answer|find|determine|tell)\b",
        ]
    ),
    re.IGNORECASE,
)
# A refusal that goes on to answer anyway, or answers from general knowledge, is an answer.
_ANSWER_AFTER_ALL = re.compile(r"\b(?:but|however|although|though|instead|general knowledge)\b", re.IGNORECASE)
_MAX_REFUSAL_WORDS = 40
# Markdown emphasis, but not the underscore inside NO_ANSWER.
_EMPHASIS = re.compile(r"[*`#>~]+|(?<!\w)_+|_+(?!\w)")
_MARKERS = re.compile(r"\[\s*\d[\d\s,;\-\u2013]*\]")
_FIRST_SENTENCE = re.compile(r".+?(?:[.!?](?=\s)|$)", re.DOTALL)
_SENTINELS = (NO_ANSWER_SENTINEL, LEGACY_SENTINEL)


def distinctive_terms(question: str) -> list[str]:
    """Return the lower-cased terms of a question that name specific things, in order.

    Model names and codes (X200, P-400, v2.1), acronyms (SNMP), CamelCase and identifiers
    (PowerMax, max_retries, config.yaml), file extensions (.csv → csv), capitalised words
    inside a sentence that are not common English, and compounds capitalised in every part
    (Wi-Fi). Quoted text is what the customer saw or typed (an error message, a file they
    named), which a manual rarely prints word for word: it is no term itself, and its words
    are judged by their shape alone, since a message capitalises in its own style ("Filter Alarm").
    """
    found: list[tuple[int, str]] = []
    quoted = [match.span() for match in _QUOTED.finditer(question)]
    for match in _EXTENSION.finditer(question):
        if match[1].lower() not in _EVERYDAY_ACRONYMS:
            found.append((match.start(), match[1].lower()))
    tokens = list(_TOKEN.finditer(question))
    shouted, title_case = _is_shouted(tokens), _is_title_case(question, tokens)
    for token in tokens:
        in_quote = any(start < token.start() < end for start, end in quoted)
        term = _distinctive(token[0], in_quote or _starts_sentence(question, token.start()), shouted, title_case)
        if term:
            found.append((token.start(), term))
    return list(dict.fromkeys(term for _, term in sorted(found)))


def missing_terms(question: str, term_in_corpus: Callable[[str], bool]) -> list[str]:
    """Return the distinctive terms of the question that ``term_in_corpus`` does not find.

    ``term_in_corpus`` receives lower-case text and should match case-insensitively. A code
    also counts as found when the corpus writes it with a hyphen, a space or neither at a
    letter-digit boundary ("P-400", "P 400", "P400"), and Wi-Fi when it says WiFi, wireless
    or WLAN.
    """
    return [term for term in distinctive_terms(question) if not any(term_in_corpus(form) for form in _spellings(term))]


def is_decline(answer: str) -> bool:
    """Tell whether the model declined: a sentinel (today's or the legacy one), an empty answer, or a plain refusal.

    A refusal counts only when it opens a short answer that does not go on to answer
    anyway ("…, but", "General knowledge: …").
    """
    plain = _EMPHASIS.sub("", _MARKERS.sub("", answer)).replace("\u2019", "'").strip()
    if not plain or plain.startswith(_SENTINELS):
        return True
    first_line = plain.splitlines()[0].strip(" \t\"'.!:;,")
    if first_line.upper().replace(" ", "_") in _SENTINELS:
        return True
    first_sentence = _FIRST_SENTENCE.match(plain)[0]
    return (
        _REFUSALS.search(first_sentence) is not None
        and _ANSWER_AFTER_ALL.search(plain) is None
        and len(plain.split()) <= _MAX_REFUSAL_WORDS
    )


def invented_literals(answer: str, grounds: Sequence[str], named_in_manuals: Callable[[str], bool]) -> list[str]:
    """Return the words the answer quotes in backticks when no ground and no manual holds any of them.

    The prompt asks for commands, options, paths and values in backticks, exactly as the
    excerpt writes them, so an answer whose every quoted word is in neither the excerpts, the
    question nor the manuals they come from made its command up (`epsonreset`, for a
    waste-ink counter no manual mentions). ``named_in_manuals`` receives lower-case text and
    should look through every page of those manuals: a command the manual gives on a page
    search did not bring (`set samples`) is the manual's, not the model's. An answer that
    quotes one word the manuals hold is built on them, and an invented example value beside
    it (`set decimalsign locale "de_DE"`) is no reason to withdraw it. Only words of five
    characters or more count: shorter ones ("on", "-d") are too common to judge. Return an
    empty list when nothing is invented or something is grounded.
    """
    known = " ".join(grounds).casefold()
    quoted = {word.casefold(): word for literal in BACKTICKED.findall(answer) for word in _IDENTIFIER.findall(literal)}
    # The excerpts first: each look through the manuals costs the caller a search.
    if any(word in known for word in quoted) or any(named_in_manuals(word) for word in quoted):
        return []
    return list(quoted.values())


def invented_paths(answer: str, grounds: Sequence[str]) -> list[str]:
    """Return the file and directory paths the answer gives that none of ``grounds`` contains.

    A customer types a path as given, and a model cannot paraphrase one: on the real-manual
    set every path an answer took from its excerpts was copied exactly, while the two paths
    no excerpt held came with made-up procedures (`/var/lib/cups/old-backend`, to "reset"
    an Epson's waste-ink counter). So one such path withdraws the answer, unlike a made-up
    word beside grounded ones. A home path counts as held when the excerpts name what follows
    "~/" (".lpoptions in your home directory"); device paths (/dev/sdb1) are exempt, since
    they name the customer's own disks and manuals only give examples.
    """
    known = " ".join(grounds).casefold()
    invented = []
    for path in _PATH.findall(answer):
        # A sentence's full stop, a trailing slash or wildcard add nothing to what the path names.
        path = path.rstrip("./*")
        held = _HOME.sub("", path).casefold()
        if "/" in path[1:] and not path.startswith("/dev/") and held not in known:
            invented.append(path)
    return list(dict.fromkeys(invented))


def unsupported_names(question: str, answer: str, named_in_manuals: Callable[[str], bool]) -> list[str]:
    """Return the names from the question that the answer states and the excerpts' manuals never name.

    The excerpts were found for the question; when the manuals they come from never name the
    product or system it asks about, an answer that names it anyway ("DRBD can be installed on
    Windows Server", from a manual about Linux) speaks beyond them. ``named_in_manuals``
    receives lower-case text and should look through every page of those manuals, not only the
    excerpts: five excerpts about a gnuplot command need not say "Linux" or "PNG" for an answer
    about that command on Linux, or writing a PNG, to stand. Names are the distinctive terms
    without digits (Windows, SNMP, PowerMax): a term with digits is as often a value the
    customer wants ("a base-2 axis") that the manual writes another way ("set logscale y 2").
    """
    said = answer.casefold()
    return [
        term
        for term in distinctive_terms(question)
        if not any(char.isdigit() for char in term)
        and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", said)
        and not named_in_manuals(term)
    ]


def _distinctive(token: str, sentence_start: bool, shouted: bool, title_case: bool) -> str | None:
    """Return the lower-cased term when the token names something specific, else None."""
    lower = token.lower()
    has_digit = any(char.isdigit() for char in token)
    has_letter = any(char.isalpha() for char in token)
    if has_digit:
        return lower if has_letter and not _MEASUREMENT.fullmatch(token) else None
    if "-" in token:
        named = _CAPITALISED_COMPOUND.fullmatch(token) and not (shouted or title_case)
        return lower if named else None
    if "_" in token or ("." in token and not _DOTTED_ABBREVIATION.fullmatch(token)):
        return lower
    if _CAMEL_CASE.fullmatch(token):
        return lower
    if not shouted and (_ALL_CAPS.fullmatch(token) or _ALL_CAPS_PLURAL.fullmatch(token)):
        acronym = lower if _ALL_CAPS.fullmatch(token) else lower[:-1]
        return acronym if acronym not in _EVERYDAY_ACRONYMS else None
    if _CAPITALISED.fullmatch(token) and not (sentence_start or title_case or lower in _COMMON_WORDS):
        return lower
    return None


def _starts_sentence(text: str, position: int) -> bool:
    before = text[:position].rstrip(_LEADING_OPENERS)
    return not before or before[-1] in _SENTENCE_START


def _is_shouted(tokens: list[re.Match]) -> bool:
    """Tell whether most words are in capitals, so capitals say nothing about names."""
    words = [token[0] for token in tokens if token[0].isalpha()]
    # Two or three words are too few to call a question shouted.
    if len(words) < 4:
        return False
    return sum(word.isupper() and len(word) > 1 for word in words) / len(words) >= _SHOUTED_OR_TITLE_CASE_SHARE


def _is_title_case(question: str, tokens: list[re.Match]) -> bool:
    """Tell whether everyday words inside sentences are capitalised, as in "How Do I Reset It"."""
    everyday = [
        token[0]
        for token in tokens
        if len(token[0]) > 1 and token[0].lower() in _COMMON_WORDS and not _starts_sentence(question, token.start())
    ]
    if len(everyday) < 2:
        return False
    return sum(word[0].isupper() for word in everyday) / len(everyday) >= _SHOUTED_OR_TITLE_CASE_SHARE


def _spellings(term: str) -> list[str]:
    """Return the term as written, then with "", "-" and " " at each letter-digit boundary, then its other wordings."""
    forms = [term] + [_LETTER_DIGIT_BOUNDARY.sub(separator, term) for separator in ("", "-", " ")]
    return list(dict.fromkeys([*forms, *_WORDED_OTHERWISE.get(term, ())]))
