"""The strings a native speaker must review before a language is signed off.

Consent, urgency, deletion and emergency: where a wrong word misleads a
traveller about what is sent, how fast help comes, what is kept, or whom to
call. Listed here by msgid (the English source) rather than marked in the
catalogs, so marking one changes no catalog; a test checks that every listed
msgid is in the template, so a changed English source shows up here first.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MUST_REVIEW", "REASONS"]

REASONS = ("consent", "urgency", "deletion", "emergency")

MUST_REVIEW: Mapping[str, str] = {
    # consent: what the traveller agrees to before anything is sent
    "Before you ask for help": "consent",
    "This kiosk has no camera and no microphone.": "consent",
    "This kiosk has no camera and no microphone. Nothing is sent until you press "
    "“Send for help”.": "consent",
    "What is sent: the kind of help you choose, and where this kiosk is ({place}).": "consent",
    "Who receives it: the station staff on duty here. Nobody else can read it.": "consent",
    "I understand, continue": "consent",
    "Send for help": "consent",
    # urgency: how fast help comes, as the traveller says it and staff read it
    "I need medical help now": "urgency",
    "I feel unsafe": "urgency",
    "Urgent: I need help now": "urgency",
    "I can wait a few minutes": "urgency",
    "How urgent is it? (You can skip this.)": "urgency",
    "Staff will treat this as urgent.": "urgency",
    "Urgent": "urgency",
    "Can wait a few minutes": "urgency",
    # deletion: what is kept, and that it is gone
    "How long it is kept: it is deleted as soon as your request is resolved or cancelled.": (
        "deletion"
    ),
    "This kiosk has now forgotten your request.": "deletion",
    "I no longer need help": "deletion",
    "Your request has been withdrawn.": "deletion",
    # emergency: whom to call, and what happens when nobody answers
    "Emergency: call {number}": "emergency",
    "Please call {number} in an emergency, or go to the ticket office or any member of "
    "staff.": "emergency",
    "We could not reach the staff": "emergency",
    "No member of staff has answered yet": "emergency",
    "Your request stays open: staff may still come.": "emergency",
    "We keep trying to send your request. If it goes through, you will see it here.": ("emergency"),
    "An ambulance has been called": "emergency",
    "A member of staff is on the way to you. Please stay here.": "emergency",
    "A member of staff came but could not find you. If you still need help, you can ask "
    "again.": "emergency",
}
