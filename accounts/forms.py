import re
import unicodedata

from django import forms
from django.contrib.auth import get_user_model

from accounts import roles

# Words that claim a role the portal shows with a verified badge instead (officers, moderators, leads): a member
# calling themselves "PC Olivia Okafor (Met liaison)" would otherwise read as the police. Whole words only, so
# "Metro Bank" or "Dcosta Ltd" are fine.
ROLE_WORDS = frozenset({
    "pc", "pcs", "dc", "dcs", "pcso", "police", "met", "officer", "officers", "moderator", "moderators",
    "constable", "sergeant", "sgt", "inspector", "detective", "administrator", "admin",
})
# Letters from other scripts and digits that pass for Latin ones in a name ("Рolice" with a Cyrillic Р, "P0lice").
_LOOKALIKES = str.maketrans({
    "а": "a", "с": "c", "е": "e", "і": "i", "ј": "j", "к": "k", "м": "m", "о": "o", "р": "p", "ѕ": "s", "т": "t",
    "х": "x", "у": "y", "в": "b", "н": "h", "α": "a", "ε": "e", "ι": "i", "κ": "k", "μ": "m", "ο": "o", "ρ": "p",
    "τ": "t", "χ": "x", "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a",
})
_WORD = re.compile(r"[^\W_]+")
# "l", "I" and "1" look alike in most fonts ("PoIice", "Constab1e"): a second reading makes them all "i", on both
# sides of the comparison.
_L_AS_I = str.maketrans({"l": "i", "1": "i", "|": "i"})
_ROLE_WORDS_L_AS_I = frozenset(word.translate(_L_AS_I) for word in ROLE_WORDS)


def _words(name: str) -> set[str]:
    """The words of a name as a reader sees them: full-width and styled letters folded (NFKC), invisible
    characters dropped, look-alike letters read as Latin, and dotted abbreviations joined ("P.C." is "PC")."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    # Invisible characters (Cf) and accents (combining marks, Mn: "PĆ") do not change what a reader takes it for.
    visible = "".join(char for char in folded if unicodedata.category(char) not in {"Cf", "Mn"}).casefold()
    readings = {visible, visible.translate(_LOOKALIKES)}
    words = set()
    for reading in readings:
        words.update(_WORD.findall(reading))
        words.update(_WORD.findall(re.sub(r"(?<=\w)[.\-\s](?=\w\b)", "", reading)))
    return words


def imitates_a_role(name: str) -> bool:
    """Whether a display name uses a word that claims a role ("PC", "Police", "Met", "Officer", "Moderator"...)."""
    words = _words(name)
    return bool(words & ROLE_WORDS) or bool({word.translate(_L_AS_I) for word in words} & _ROLE_WORDS_L_AS_I)


def validate_member_display_name(name: str) -> None:
    """The rule for every form where a member chooses their display name (sign-up today). Officers' accounts
    are named by an administrator in the admin, which does not apply it."""
    if imitates_a_role(name):
        raise forms.ValidationError(
            "Your name can't include words like “PC”, “Police”, “Met”, “Officer” or “Moderator”: the Hub shows "
            "who is an officer, moderator or sector lead with a role badge next to their name. Use your own "
            "name and your organisation's, e.g. “Sam Patel (Acme Retail)”."
        )


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        max_length=80,
        label="Your name",
        help_text="Shown to other members next to what you post.",
    )

    field_order = ["email", "display_name", "password1", "password2"]

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the name other members will see.")
        validate_member_display_name(name)
        return name

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])



# allauth's forms in the portal's words: "E-mail" and "E-mail address" where allauth says "Email" (ACCOUNT_FORMS).
EMAIL_LABELS = {"Email": "E-mail", "Email (again)": "E-mail (again)", "Email (optional)": "E-mail (optional)"}
EMAIL_PLACEHOLDERS = {"Email address": "E-mail address", "Email address confirmation": "E-mail address confirmation"}


class EmailWording:
    """Says "E-mail" and "E-mail address" on the fields of the allauth form it is mixed into."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = EMAIL_LABELS.get(str(field.label), field.label)
            placeholder = field.widget.attrs.get("placeholder")
            if placeholder is not None:
                field.widget.attrs["placeholder"] = EMAIL_PLACEHOLDERS.get(str(placeholder), placeholder)


def _allauth_forms() -> dict[str, type]:
    from allauth.account import forms as allauth_forms

    class LoginForm(EmailWording, allauth_forms.LoginForm):
        pass

    class AccountSignupForm(EmailWording, allauth_forms.SignupForm):
        """allauth's sign-up form, which derives from SignupForm above (ACCOUNT_SIGNUP_FORM_CLASS)."""

    class ResetPasswordForm(EmailWording, allauth_forms.ResetPasswordForm):
        pass

    class AddEmailForm(EmailWording, allauth_forms.AddEmailForm):
        pass

    return {form.__name__: form for form in (LoginForm, AccountSignupForm, ResetPasswordForm, AddEmailForm)}


_ALLAUTH_FORM_NAMES = {"LoginForm", "AccountSignupForm", "ResetPasswordForm", "AddEmailForm"}


def __getattr__(name: str):
    """ACCOUNT_FORMS's classes, made the first time allauth asks for one. Not at import: allauth.account.forms
    imports this module while it loads (for SignupForm, ACCOUNT_SIGNUP_FORM_CLASS), so deriving from its forms at
    the top of this module would be a circular import."""
    if name not in _ALLAUTH_FORM_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    forms_made = _allauth_forms()
    for made in forms_made.values():
        made.__qualname__ = made.__name__
    globals().update(forms_made)
    return forms_made[name]


# Digits, spaces, "+", brackets and dashes: what people write a phone number with ("+44 (0)20 7946-0000").
PHONE_CHARACTERS = re.compile(r"[0-9 +()\-]{6,30}")


class ContactDetailsForm(forms.ModelForm):
    """"Your contact details": the name other members see, and the phone number officers (a "need police contact"
    answer) and the leads of the member's sectors (chasing a check-in) call. Officers' and administrators'
    names are given by an administrator: shown, not edited, here."""

    class Meta:
        model = get_user_model()
        fields = ["display_name", "phone"]
        labels = {"display_name": "Your name"}
        help_texts = {"phone": "Optional. Only police liaison officers and your sectors' leads see it, to reach "
                               "you in a hurry (e.g. when you ask for police contact during an incident)."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.names_itself = not (self.instance.is_staff or roles.is_officer(self.instance))
        if not self.names_itself:
            self.fields["display_name"].disabled = True
            self.fields["display_name"].help_text = "Given by an administrator."

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not self.names_itself:
            return self.instance.display_name
        if not name:
            raise forms.ValidationError("Enter the name other members will see.")
        validate_member_display_name(name)
        return name

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data["phone"].split())
        if phone and (not PHONE_CHARACTERS.fullmatch(phone) or sum(char.isdigit() for char in phone) < 6):
            raise forms.ValidationError(
                "Enter a phone number of 6 to 30 characters: digits, spaces, “+”, brackets and dashes only, "
                "e.g. “+44 20 7946 0000” or “020 7946 0000”.")
        return phone
