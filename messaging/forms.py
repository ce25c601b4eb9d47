"""Forms of the messaging pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from activities.access import activities_visible_to
from activities.models import Activity
from deals.access import deals_visible_to
from deals.models import Deal, Stage
from goals.access import goals_visible_to
from goals.models import Goal
from messaging import access
from messaging.models import (
    BODY_MAX,
    COMMENT_MAX,
    MESSAGE_MAX,
    SECTION_MAX,
    Notification,
    Post,
)


class _NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, Goal):
            return obj.title or obj.metric.name
        return str(getattr(obj, "display_name", None) or getattr(obj, "title", None) or obj)


class _PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class PostForm(forms.Form):
    """A new post (not a daily report: that has its own form)."""

    kind = forms.ChoiceField(label=_("Kind"))
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mention colleagues with @ and the part of their e-mail before the @."),
    )
    team = forms.ModelChoiceField(
        label=_("Audience"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Whole organisation"),
    )
    goal = _NamedChoiceField(label=_("Goal"), queryset=Goal.objects.none(), required=False)
    deal = _NamedChoiceField(label=_("Deal"), queryset=Deal.objects.none(), required=False)
    activity: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Activity.objects.none(), required=False, widget=forms.HiddenInput
    )
    advice_requested = forms.BooleanField(label=_("Ask the team for advice"), required=False)

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [
            (value, label)
            for value, label in Post.Kind.choices
            if value != Post.Kind.DAILY_REPORT and access.can_post_kind(actor, value)
        ]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["team"].queryset = access.teams_postable_by(actor)  # type: ignore[attr-defined]
        goals = goals_visible_to(actor).filter(
            Q(closed_at__isnull=True) | Q(pk=self.initial.get("goal") or 0)
        )
        self.fields["goal"].queryset = goals.order_by("-end", "id")  # type: ignore[attr-defined]
        deals = deals_visible_to(actor).filter(
            Q(stage__outcome=Stage.Outcome.OPEN) | Q(pk=self.initial.get("deal") or 0)
        )
        self.fields["deal"].queryset = deals.order_by("-updated_at", "-id")  # type: ignore[attr-defined]
        self.fields["activity"].queryset = activities_visible_to(actor)  # type: ignore[attr-defined]


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    advice_requested = forms.BooleanField(label=_("Ask the team for advice"), required=False)

    def __init__(self, *args: Any, post: Post, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if post.is_daily_report:
            for name, field in ReportForm.section_fields().items():
                self.fields[name] = field


class ReportForm(forms.Form):
    """A daily report: how the day went, in the author's words, beside their numbers."""

    body = forms.CharField(
        label=_("How did the day go?"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    advice_requested = forms.BooleanField(label=_("Ask the team for advice"), required=False)

    @staticmethod
    def section_fields() -> dict[str, forms.Field]:
        def section(label: Any) -> forms.CharField:
            return forms.CharField(
                label=label,
                max_length=SECTION_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

        return {
            "went_well": section(_("What went well")),
            "went_badly": section(_("What did not go well")),
            "tomorrow_plan": section(_("Tomorrow's plan")),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        advice = self.fields.pop("advice_requested")
        self.fields.update(self.section_fields())
        self.fields["advice_requested"] = advice


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_advice = forms.BooleanField(label=_("This is advice"), required=False)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Feedback (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConversationForm(forms.Form):
    participants = _PeopleField(label=_("With"), queryset=User.objects.none())
    body = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                memberships__organization_id=actor.organization_id, memberships__active=True
            )
            .exclude(pk=actor.user_id)
            .order_by("name", "username")
        )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class PreferenceForm(forms.Form):
    daily_digest = forms.BooleanField(
        label=_("Send me a daily e-mail of what is unread"), required=False
    )
    kinds = forms.MultipleChoiceField(
        label=_("Notify me in the app about"),
        choices=Notification.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def muted_kinds(self) -> list[str]:
        chosen = set(self.cleaned_data["kinds"])
        return [kind for kind in Notification.Kind.values if kind not in chosen]
