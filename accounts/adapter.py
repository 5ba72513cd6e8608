"""allauth's account adapter with the portal's words in the errors people meet ("e-mail", as everywhere else)."""

from allauth.account.adapter import DefaultAccountAdapter


class HubAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "cannot_remove_primary_email": "You cannot remove your primary e-mail address.",
        "duplicate_email": "This e-mail address is already on your account.",
        "email_password_mismatch": "The e-mail address and/or password you entered are not correct.",
        "email_taken": "Someone is already registered with this e-mail address.",
        "max_email_addresses": "You cannot add more than %d e-mail addresses.",
        "unknown_email": "No account has this e-mail address.",
        "unverified_primary_email": "Your primary e-mail address must be confirmed first.",
    }
