from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from trustcenter.updates.models import PostType, Topic


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple, initial=[Topic.ALL]
    )
    consent = forms.BooleanField(label=_("I agree to receive these emails as described above."))


class TopicsForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    language = forms.ChoiceField(label=_("Language of the emails"), choices=settings.LANGUAGES)


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does your organization object?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )


class PostFilterForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=[("", _("All types")), *PostType.choices], required=False)
