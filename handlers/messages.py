"""Every piece of text kz-brief shows to people in Slack (and the serve command's errors).

Kept in one place so wording stays consistent and each error names its fix. Values that come
from users or the corpus are inserted already escaped by the caller (see `blocks.escape`).
"""

from __future__ import annotations

# --- Answers -------------------------------------------------------------------------------

APOLOGY = "Sorry — something went wrong while searching; the team has been told. Please try again."
DATE_INFERRED = "date inferred from text"
DATE_UPDATED = "last updated; first published earlier or then"
UNDATED = "undated"
QUOTE_SHORTENED = "quote shortened to fit Slack; the full passage is in the source"
SHARE_BUTTON = "Share in channel"
SEARCHING = "Searching the corpus…"

# --- Feedback buttons under each passage ---------------------------------------------------

FEEDBACK_LABELS = {"useful": "Useful", "outdated": "Outdated", "wrong_source": "Wrong source"}
FEEDBACK_FAILED = "Sorry — your feedback could not be saved just now. Please try again later."
FEEDBACK_UNKNOWN_PASSAGE = (
    "That button does not name a passage of the current index (it may have been re-indexed "
    "since), so your feedback was not saved. Ask again and flag the passage in the new answer."
)


def undelivered(channel: str) -> str:
    """For the asker, by another route, when their answer could not be posted in `channel`
    (a Slack channel ID from the request payload, not user text)."""
    return (
        f"Sorry — I could not post my answer to your question in <#{channel}> just now "
        "(Slack did not accept it). Please ask again in a minute."
    )


def feedback_thanks(label: str) -> str:
    return f"Thanks — noted as {label}."


def feedback_already(label: str) -> str:
    return f"You already flagged this passage as {label}."


def answer_header(question: str) -> str:
    return question


def brief_header(topic: str) -> str:
    return f"Brief: {topic}"


BEST_MATCH_FIRST = "best match first"
NEWEST_FIRST = "newest first"
OLDEST_FIRST = "oldest first"
UNDATED_LAST = "undated last"
UPDATED_AFTER_EDIT = "Updated for your edited question"


def answer_summary(count: int, order: str | None) -> str:
    """'3 verbatim passages from the corpus, best match first' (no order when another line
    already says it)."""
    noun = "passage" if count == 1 else "passages"
    text = f"{count} verbatim {noun} from the corpus"
    return f"{text}, {order}" if order else text


def searched(description: str) -> str:
    """The filters taken from the question, shown above the answer."""
    return f"Searched: {description}"


def sources_span(span: str, order: str, undated: bool) -> str:
    """'Sources span 2005–2009; newest first' when passages come from different dates."""
    return f"Sources span {span}; {order}" + (f", {UNDATED_LAST}" if undated else "")


def age(years: int, months: int, days: int) -> str:
    """'17 years old', '3 months old', '5 days old': how old a source is today."""
    if years:
        return f"{years} year{'s' if years != 1 else ''} old"
    if months:
        return f"{months} month{'s' if months != 1 else ''} old"
    if days:
        return f"{days} day{'s' if days != 1 else ''} old"
    return "published today"


def more_not_shown(count: int) -> str:
    noun = "passage" if count == 1 else "passages"
    return f"{count} more {noun} not shown (Slack allows 50 blocks per message)."


def shared_by(user_id: str) -> str:
    # A Slack user ID from the request payload, not user-typed text.
    return f"Shared by <@{user_id}> via /kz-brief"


def no_match(question: str, filters: str, covers: str) -> str:
    within = f" ({filters})" if filters else ""
    lines = [f"I found nothing in the corpus that answers “{question}”{within}."]
    if covers:
        lines.append(covers)
    hint = "Try other words"
    if filters:
        hint += ", or widen the dates"
    lines.append(hint + ". `/kz-brief sources` lists what I know.")
    return "\n".join(lines)


SOURCE_CARDS_NOTE = (
    "About the sources themselves: answered from each document's details (title, author, "
    "publisher, date), not from its text"
)
BYLINE = "Byline"
DATELINE = "Dateline"
AUTHOR_UNKNOWN = "author not recorded"
PUBLISHER_UNKNOWN = "publisher not recorded"


def source_cards_summary(count: int) -> str:
    noun = "document" if count == 1 else "documents"
    return f"{count} {noun}, from their details"


def date_basis(basis: str, note: str) -> str:
    """Where a source's date came from, for its card."""
    if basis == "metadata":
        return "date from the document's metadata"
    if basis == "text":
        return f"date read from its text ({note})" if note else "date read from its text"
    if basis == "updated":
        return "the date it was last updated, read from its text" + (f" ({note})" if note else "")
    return "no date found" + (f" ({note})" if note else "")


def quoted_from(label: str, path: str, start: int, end: int) -> str:
    """'Byline, quoted from caci.txt (characters 52–110)'."""
    return f"{label}, quoted from {path} (characters {start}–{end})"


def answer_fallback(count: int, question: str) -> str:
    noun = "passage" if count == 1 else "passages"
    return f"{count} {noun} for “{question}”"


def no_match_fallback(question: str) -> str:
    return f"Nothing in the corpus answers “{question}”."


# --- Usage, sources and the Home tab -------------------------------------------------------

USAGE_TITLE = "kz-brief: Kazakhstan–NATO relations, in verbatim quotes"
USAGE = "\n".join(
    [
        "I answer with passages quoted word for word from a curated corpus, each with its "
        "source and publication date.",
        "• Mention me in a channel: `@kz-brief when did Kazakhstan agree an IPAP with NATO?`",
        "• Or send me a direct message with your question.",
        "• `/kz-brief QUESTION`: a private answer with a *Share in channel* button.",
        "• `/kz-brief brief TOPIC`: a dated brief across sources, oldest first.",
        "• `/kz-brief sources`: the documents I know, with their dates.",
        "• `/kz-brief help`: this message.",
        "• `/kz-brief reindex` (admins): re-read the documents and rebuild the index.",
        "Narrow any question by date: `since:2008`, `before:2006`, `in:2005`.",
        "Ask about the sources themselves: `who wrote the CACI piece?`, "
        "`what do you have from 2022?`",
        "In a thread I answered, just reply (no mention needed): `and in 2009?` "
        "Edit your question and I update my answer.",
        "Under each passage: *Useful*, *Outdated* or *Wrong source* tells the admins.",
    ]
)
USAGE_FALLBACK = "How to use kz-brief: /kz-brief QUESTION, /kz-brief brief TOPIC, /kz-brief sources"

SOURCES_TITLE = "Documents in the corpus"
NO_DOCUMENTS = "No documents are indexed yet. An admin can build the index with `kz-brief index`."


def sources_fallback(count: int) -> str:
    noun = "document" if count == 1 else "documents"
    return f"{count} {noun} in the corpus"


def chunk_count(count: int) -> str:
    noun = "passage" if count == 1 else "passages"
    return f"{count} {noun}"


HOME_TITLE = "kz-brief"
HOME_INTRO = (
    "I answer questions about Kazakhstan–NATO relations with passages quoted word for word "
    "from a curated corpus, each with its source and publication date. "
    "When the date is not in a document's metadata, I say it was inferred from the text."
)
HOME_KNOWS = "*What I know*"
HOME_HOW = "*How to ask*"
HOME_HOW_TEXT = "\n".join(
    [
        "• Mention me in a channel: `@kz-brief your question`; I reply in the thread.",
        "• Send me a direct message here, in the *Messages* tab.",
        "• `/kz-brief QUESTION` answers privately; *Share in channel* posts it for everyone.",
        "• `/kz-brief brief TOPIC` gives a chronological brief, oldest first.",
        "• `/kz-brief sources` lists the documents with their dates.",
        "• Filters: `since:2008` (2008 on), `before:2006` (up to 2005), `in:2005` (that year).",
        "• Reply in a thread I answered to follow up (`and in 2009?`); no mention needed.",
        "• Edit your question and I update my answer in place.",
        "• Flag a passage *Useful*, *Outdated* or *Wrong source* with the buttons under it.",
    ]
)
HOME_EXAMPLES = "*Try asking*"
EXAMPLE_QUESTIONS = (
    "When did Kazakhstan plan an Individual Partnership Action Plan with NATO?",
    "Why did NATO hold its partner security forum in Astana? in:2009",
    "brief Kazakhstan PfP cooperation",
)
HOME_INDEX_MISSING = (
    "The index is not available right now, so I cannot list documents. "
    "An admin can build it with `kz-brief index`."
)


def home_index_line(built_at: str, documents: int, passages: int, model: str) -> str:
    return f"Index built {built_at}: {documents} documents, {passages} passages (model {model})."


# --- /kz-brief reindex (admins) ------------------------------------------------------------

REINDEX_STARTED = (
    "Re-index started… I will post the summary here when it is done. "
    "Answers keep coming from the current index until the new one is ready."
)
REINDEX_RUNNING = (
    "A re-index is already running; its summary will be posted to whoever started it. "
    "Try again when it is done."
)
REINDEX_UNAVAILABLE = (
    "Re-indexing from Slack is not set up in this bot process; run `kz-brief index` on the server."
)
REINDEX_ONLY_COMMAND = "Re-indexing is done with `/kz-brief reindex` (kz-brief admins only)."


def reindex_refused(admin_mentions: str) -> str:
    """For someone not in KZ_ADMIN_USERS; `admin_mentions` is '<@U1>, <@U2>' or ''."""
    who = f" ({admin_mentions})" if admin_mentions else ""
    return (
        f"Only kz-brief admins can re-index; ask one of them{who} "
        "or run `kz-brief index` on the server."
    )


def reindex_failed(reason: str) -> str:
    return f"Re-index failed: {reason}"


# --- The serve command ---------------------------------------------------------------------

APPS_PAGE = "https://api.slack.com/apps (your app)"
WHERE_TO_GET = {
    "SLACK_BOT_TOKEN": f"the Bot User OAuth Token (xoxb-…) at {APPS_PAGE} → OAuth & Permissions",
    "SLACK_APP_TOKEN": f"an App-Level Token (xapp-…) with the connections:write scope at "
    f"{APPS_PAGE} → Basic Information → App-Level Tokens",
    "SLACK_SIGNING_SECRET": f"the Signing Secret at {APPS_PAGE} → Basic Information "
    "→ App Credentials",
}
TOKEN_PREFIX = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


def missing_slack_settings(mode: str, problems: dict[str, str]) -> str:
    """Say which variables to set for `mode` ('Socket Mode' or 'HTTP mode') and where."""
    lines = [f"kz-brief cannot connect to Slack in {mode}. Set these in .env or the environment:"]
    for name, problem in problems.items():
        lines.append(f"  {name}: {problem}; get {WHERE_TO_GET[name]}")
    lines.append("See docs/slack-setup.md for the step-by-step set-up.")
    if mode == "Socket Mode":
        lines.append("To receive requests over HTTP instead, run `kz-brief serve --http`.")
    lines.append("To try the bot without Slack, run `kz-brief chat`.")
    return "\n".join(lines)


def not_set() -> str:
    return "not set"


def wrong_prefix(prefix: str) -> str:
    return f"should start with {prefix!r}"


def token_rejected(error: str) -> str:
    return (
        f"Slack rejected SLACK_BOT_TOKEN ({error}). Copy the Bot User OAuth Token (xoxb-…) "
        "again from your app's *OAuth & Permissions* page; reinstall the app if it was revoked."
    )


def slack_unreachable(base_url: str, reason: str) -> str:
    return (
        f"Slack's Web API at {base_url} cannot be reached ({reason}). Check the network "
        "(and SLACK_API_BASE_URL, if set), then start again."
    )


def cannot_start(reason: str) -> str:
    return f"kz-brief cannot start the Slack bot: {reason}"


def database_unusable(where: str, reason: str) -> str:
    """`where` is the database URL with its password hidden."""
    return (
        f"KZ_DATABASE_URL ({where}) cannot hold the readers' feedback: {reason}. Check that "
        "the database server is running and reachable, and the user, password and database "
        "name in KZ_DATABASE_URL."
    )


def state_file_damaged(path: str, reason: str) -> str:
    return (
        f"{path} is damaged ({reason}). Restore it from a backup, or move it aside "
        f"(mv {path} {path}.damaged) and start again with an empty one."
    )


def data_dir_unusable(path: str, reason: str) -> str:
    return (
        f"KZ_DATA_DIR ({path}) cannot hold the bot's thread memory and feedback: {reason}. "
        "Point KZ_DATA_DIR at a writable folder."
    )


MISSING_BOT_TOKEN = (
    "SLACK_BOT_TOKEN is not set: the Slack app needs its Bot User OAuth Token (xoxb-…). "
    "See docs/slack-setup.md."
)
