"""The staff console's cards: one per open request, most urgent and then oldest
first, in the staff member's language, with the traveller's own text as written."""

from __future__ import annotations

import time
from datetime import timedelta

from babel.dates import format_timedelta
from babel.lists import format_list

from kiosk.core.phrases import DETAIL_PHRASES, REPLY_PHRASES, known_details
from kiosk.core.ticket import TicketState
from kiosk.i18n import CATEGORY_TEXTS, STAFF_URGENCY_TEXTS, STATE_TEXTS, locale_info
from kiosk.i18n.bidi_text import for_rtl_label, isolate
from kiosk.staff.console import StaffConsole
from kiosk.staff.inbox import InboxItem, TicketView
from kiosk.staff.inbox_screen import TicketCard
from kiosk.uikit.translator import tr

__all__ = ["TicketCards"]


class TicketCards:
    """StaffApp's part that keeps a card for each request in the inbox."""

    def _render(self: StaffConsole) -> None:
        cards = self.screen.ids.cards
        wanted = [item.id for item in self.inbox.ordered()]
        for ticket_id in list(self.cards):
            if ticket_id not in self.inbox.items:
                cards.remove_widget(self.cards.pop(ticket_id))
        for item in self.inbox.ordered():
            card = self.cards.get(item.id)
            if card is None:
                card = self.cards[item.id] = TicketCard(ticket_id=item.id)
            self._fill(card, item)
        # Keep the on-screen order: most urgent, then oldest, first.
        cards.clear_widgets()
        for ticket_id in wanted:
            cards.add_widget(self.cards[ticket_id])
        self.screen.empty = not wanted
        self._update_alert()

    def _fill(self: StaffConsole, card: TicketCard, item: InboxItem) -> None:
        view = item.view
        card.category_text = tr._(CATEGORY_TEXTS[view.category])
        card.category = view.category.value
        card.urgent = item.urgent
        card.urgency_text = tr._(STAFF_URGENCY_TEXTS[view.urgency])
        card.location_text = self._place(view.location_id)
        card.skipped_text = self._skipped(view.skipped)
        if item.body is None:
            # Translators: staff console: this console holds no key for the request.
            card.language_text = tr._("This console cannot open the request's details.")
        else:
            # Translators: staff console. {language} is the traveller's language,
            # named in the staff member's language.
            card.language_text = tr.f(
                "Traveller's language: {language}",
                language=_language_name(item.body.language, self.language),
            )
        self._fill_details(card, item)
        state = item.state
        mine = state is TicketState.ACCEPTED and self._mine(view)
        if state is TicketState.ACCEPTED:
            card.status_text = (
                # Translators: staff console: this staff member accepted the request.
                tr._("You accepted this request")
                if mine
                # Translators: staff console. {who} is the colleague's console that accepted.
                else tr.f("Accepted by {who}", who=view.accepted_by or "")
            )
        else:
            card.status_text = tr._(STATE_TEXTS[state])
        card.accepted = state is TicketState.ACCEPTED
        card.mine = mine
        if not mine:
            card.confirming = False
        card.age_text = self._age(view)

    def _fill_details(self: StaffConsole, card: TicketCard, item: InboxItem) -> None:
        """Detail phrases in this console's language; free text as written, in its own script."""
        body = item.body
        known, unknown = known_details(body.details) if body is not None else ((), 0)
        lines = ["• " + _logical(DETAIL_PHRASES[d]) for d in known]
        if unknown:
            # Translators: staff console: the kiosk sent details this console's version cannot show.
            note = tr._("Some details cannot be shown: update this console.")
            lines.append(tr.logical(note))
        card.details_text = tr.bidi("\n".join(lines))
        if body is not None and body.free_text:
            info = locale_info(body.language)
            # Translators: staff console, above text the traveller wrote, shown as written.
            # {language} is the traveller's language, named in the staff member's language.
            card.free_text_note = tr.f(
                "Written by the traveller ({language}):",
                language=_language_name(body.language, self.language),
            )
            card.free_text = for_rtl_label(body.free_text) if info.is_rtl else body.free_text
            card.free_text_font = info.font_regular
            card.free_text_script = info.script
            card.free_text_direction = info.direction
        else:
            card.free_text_note = card.free_text = ""
        mine = [item.my_replies[r] for r in item.replies if r in item.my_replies]
        others = [who for r, who in item.replies.items() if r not in item.my_replies]
        replies = []
        if mine:
            last = _logical(REPLY_PHRASES[mine[-1]])
            # Translators: staff console: the last short reply this staff member sent.
            # {reply} is the reply, e.g. "Please stay where you are".
            replies.append(tr.f("You replied: {reply}", reply=last))
        if others:
            # Translators: staff console. {who} is the colleague's console that sent a reply.
            replies.append(tr.f("{who} sent the traveller a reply.", who=others[-1]))
        card.reply_text = "\n".join(replies)

    def _skipped(self: StaffConsole, groups: tuple[str, ...]) -> str:
        """Why the request came early: the earlier steps' groups nobody could be
        reached in, by their names in the signed site (an id it does not list, as is)."""
        if not groups:
            return ""
        site = self.client.kept_site()
        names = {g.id: g.name for g in site.groups} if site else {}
        shown = [names.get(g) or g for g in groups]
        if tr.rtl:  # each name its own run, the list's words in the console's direction
            shown = [isolate(name) for name in shown]
        # Translators: staff console, on a request that reached this group
        # before its usual wait: nobody in the earlier groups of its route was
        # on duty with a console that could be reached. {groups} lists staff
        # group names, e.g. "Central Station platform staff and North Station staff".
        return tr.f(
            "Sent to you early: nobody on duty could be reached in {groups}.",
            groups=format_list(shown, locale=self.language),
        )

    def _mine(self: StaffConsole, view: TicketView) -> bool:
        return view.accepted_by == self.config_device.device_id

    def _age(self: StaffConsole, view: TicketView) -> str:
        seconds = max(0.0, time.time() - view.created_at)
        return tr.bidi(
            format_timedelta(
                timedelta(seconds=-seconds), threshold=1.5, add_direction=True, locale=self.language
            )
        )

    def _refresh_ages(self: StaffConsole) -> None:
        for item in self.inbox.items.values():
            card = self.cards.get(item.id)
            if card is not None:
                card.age_text = self._age(item.view)

    def _place(self: StaffConsole, location_id: object, *, station: bool = True) -> str:
        """Where to go, from the operator-signed manifest by the location id (the one
        sealed with the request once it opened), never from labels the hub adds."""
        site = self.client.kept_site()
        location = site.location(str(location_id)) if site and location_id else None
        if location is None:
            return str(location_id or "")
        home = site.station_of(location.id) if site else None  # its default language
        label = location.label_in(self.language, home.default_language if home else "")
        return tr.bidi(f"{location.station} · {label}") if station else label


def _logical(message: str) -> str:
    """`message` translated, in reading order (to be put into a longer text)."""
    return tr.logical(tr._(message))


def _language_name(code: str, in_language: str) -> str:
    """The traveller's language named in the staff member's; its code if Babel knows none."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name(in_language) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code
