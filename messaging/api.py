"""API of the messaging app: the feed, comments and advice, reactions, daily report reviews,
photos, direct messages and notifications (contract: shared/API.md, "Messaging").

Serializers only shape and parse; writes call `messaging.services`, reads come from
`messaging.selectors` and `messaging.access`. A post, photo or conversation the caller may
not see answers 404 exactly like a missing one; a visible one they may not change, 403.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Team, User
from activities.models import Activity
from deals.models import Deal
from goals.models import Goal
from messaging import access, photos, selectors, services
from messaging.filters import NotificationFilter, PostFilter
from messaging.models import (
    BODY_MAX,
    COMMENT_MAX,
    MESSAGE_MAX,
    SECTION_MAX,
    Comment,
    Conversation,
    Message,
    Notification,
    Photo,
    Post,
    Reaction,
)
from salesmgmt.api import OrgScopedAPIMixin
from salesmgmt.errors import DomainError


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large: at most 4 photos of 10 MB each.")
    default_code = "request_too_large"


class _OrgObjectField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts rows of the request's organisation."""

    def __init__(self, *, model: type[Any], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        kwargs.setdefault(
            "error_messages", {"does_not_exist": gettext_lazy("Unknown id {pk_value}.")}
        )
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        org = self.context.get("org")
        return self.model.objects.none() if org is None else self.model.objects.for_org(org)


class _MemberField(serializers.PrimaryKeyRelatedField):
    """A user id of a member of the request's organisation."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.none())
        kwargs.setdefault(
            "error_messages",
            {"does_not_exist": gettext_lazy("{pk_value} is not a member of this organisation.")},
        )
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[User]:
        org = self.context.get("org")
        if org is None:
            return User.objects.none()
        return User.objects.filter(memberships__organization=org)


# --- posts --------------------------------------------------------------------------------


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The image (checked access)."))
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "url", "thumbnail_url", "width", "height"]

    def _url(self, photo: Photo, thumbnail: bool) -> str:
        org = self.context["org"]
        path = reverse("api:photo-detail", args=[org.slug, photo.pk])
        if thumbnail:
            path += "?size=thumb"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, photo: Photo) -> str:
        return self._url(photo, False)

    def get_thumbnail_url(self, photo: Photo) -> str:
        return self._url(photo, True)


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "integer"}, "example": {"👍": 3}}
)
class _ReactionCountsField(serializers.ReadOnlyField):
    pass


@extend_schema_field({"type": "object", "nullable": True})
class _NumbersField(serializers.ReadOnlyField):
    """A daily report's numbers: `{"date", "activities": [{"type", "name", "count",
    "target"}], "goals": [{"goal", "title", "target", "actual"}], "deals_moved": [{"deal",
    "title", "from", "to"}]}`."""


class PostSerializer(serializers.ModelSerializer):
    photos = PhotoSerializer(many=True, read_only=True)
    numbers = _NumbersField(help_text=gettext_lazy("Daily reports only: the author's numbers."))
    comment_count = serializers.IntegerField(read_only=True)
    reactions = _ReactionCountsField(source="reaction_counts")
    my_reactions = serializers.ListField(child=serializers.CharField(), read_only=True)
    unanswered = serializers.SerializerMethodField(
        help_text=gettext_lazy("Asks for advice and nobody but the author has replied.")
    )

    class Meta:
        model = Post
        fields = [
            "id", "author", "kind", "body", "team", "goal", "deal", "activity",
            "advice_requested", "unanswered", "photos", "report_date", "numbers",
            "went_well", "went_badly", "tomorrow_plan", "reviewed_by", "reviewed_at",
            "created_at", "edited_at", "comment_count", "reactions", "my_reactions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_unanswered(self, post: Post) -> bool:
        return bool(post.advice_requested and not getattr(post, "answered", True))


class PostWriteSerializer(serializers.Serializer):
    """A new post: JSON, or multipart with up to four `photos` (JPEG, PNG or WebP)."""

    kind = serializers.ChoiceField(choices=Post.Kind.choices)
    body = serializers.CharField(max_length=BODY_MAX, trim_whitespace=True)
    team = _OrgObjectField(
        model=Team,
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "Audience: a team, or null for the whole organisation (daily reports: the "
            "author's team)."
        ),
    )
    goal = _OrgObjectField(model=Goal, required=False, allow_null=True)
    deal = _OrgObjectField(model=Deal, required=False, allow_null=True)
    activity = _OrgObjectField(model=Activity, required=False, allow_null=True)
    advice_requested = serializers.BooleanField(required=False, default=False)
    report_date = serializers.DateField(
        required=False, allow_null=True, help_text=gettext_lazy("Daily reports; default today.")
    )
    went_well = serializers.CharField(max_length=SECTION_MAX, required=False, allow_blank=True)
    went_badly = serializers.CharField(max_length=SECTION_MAX, required=False, allow_blank=True)
    tomorrow_plan = serializers.CharField(max_length=SECTION_MAX, required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=photos.MAX_PHOTOS
    )


class PostUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX, required=False)
    advice_requested = serializers.BooleanField(required=False)
    goal = _OrgObjectField(model=Goal, required=False, allow_null=True)
    deal = _OrgObjectField(model=Deal, required=False, allow_null=True)
    activity = _OrgObjectField(model=Activity, required=False, allow_null=True)
    went_well = serializers.CharField(max_length=SECTION_MAX, required=False, allow_blank=True)
    went_badly = serializers.CharField(max_length=SECTION_MAX, required=False, allow_blank=True)
    tomorrow_plan = serializers.CharField(max_length=SECTION_MAX, required=False, allow_blank=True)


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_advice", "helpful", "created_at"]
        read_only_fields = ["id", "author", "helpful", "created_at"]
        extra_kwargs = {"body": {"max_length": COMMENT_MAX}}


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=[(e, e) for e in Reaction.EMOJIS])


class ReactionsSerializer(serializers.Serializer):
    reactions = _ReactionCountsField()
    my_reactions = serializers.ListField(child=serializers.CharField())


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=COMMENT_MAX,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Optional: a reply added with the review."),
    )


class HelpfulSerializer(serializers.Serializer):
    helpful = serializers.BooleanField(default=True)


class PostFilterBackend(DjangoFilterBackend):
    """The feed's one FilterSet, built by `selectors.filter_posts` for the caller."""

    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return selectors.filter_posts(view.membership, request.query_params, queryset)


class ImageRenderer(renderers.BaseRenderer):
    """Lets clients ask for images (`Accept: image/*`); errors still come as JSON text."""

    media_type = "image/*"
    format = "image"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return b"" if data is None else json.dumps(data).encode()


def _uploads(request: Request) -> list[Any]:
    """The request's photos, with a clear 400 for too many files."""
    try:
        uploads = list(request.FILES.getlist("photos")) if request.FILES else []
        others = [key for key in request.FILES if key != "photos"] if request.FILES else []
    except SuspiciousOperation as exc:  # Django's limit on the number of files
        raise DomainError(
            _("At most %(n)d photos per post.") % {"n": photos.MAX_PHOTOS}, field="photos"
        ) from exc
    if others:
        raise DomainError(_("Send photos in the “photos” field."), field="photos")
    photos.check_count(uploads)
    return uploads


def _fields_of(request: Request) -> dict[str, Any]:
    """The body's fields, one value each (a multipart body is a QueryDict)."""
    raw: Any = request.data
    return raw.dict() if hasattr(raw, "dict") else dict(raw)


@extend_schema_view(
    retrieve=extend_schema(responses=PostSerializer),
    destroy=extend_schema(responses={204: None}),
)
class PostViewSet(OrgScopedAPIMixin, viewsets.GenericViewSet):
    """The feed: posts the caller may read, newest first (filters and `q` search)."""

    serializer_class = PostSerializer
    lookup_url_kwarg = "post_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [PostFilterBackend]
    filterset_class = PostFilter
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before anything reads the body (authentication's CSRF check may): an oversize
        # upload is refused without being parsed.
        if request.method == "POST" and photos.request_too_large(request.META):
            raise RequestTooLarge()
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Post]:
        if self.is_schema_generation:
            return Post.objects.none()
        return selectors.feed_posts(self.membership)

    def _card(self, post: Post) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=post.pk)
        selectors.decorate(self.membership, [fresh])
        return dict(PostSerializer(fresh, context=self.get_serializer_context()).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        posts = selectors.decorate(self.membership, list(page if page is not None else queryset))
        data = PostSerializer(posts, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._card(self.get_object()))

    @extend_schema(
        request={
            "application/json": PostWriteSerializer,
            "multipart/form-data": PostWriteSerializer,
        },
        responses={
            201: PostSerializer,
            413: OpenApiResponse(description="The body is over 4 photos of 10 MB."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        uploads = _uploads(request)
        data = PostWriteSerializer(
            data={k: v for k, v in _fields_of(request).items() if k != "photos"},
            context=self.get_serializer_context(),
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("photos", None)
        post = services.create_post(actor=self.membership, uploads=uploads, **values)
        return Response(self._card(post), status=status.HTTP_201_CREATED)

    @extend_schema(request=PostUpdateSerializer, responses=PostSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        post = self.get_object()
        data = PostUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.update_post(actor=self.membership, post=post, **data.validated_data)
        return Response(self._card(post))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_post(actor=self.membership, post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], url_path="comments", url_name="comments")
    def comments(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The replies to a post, oldest first; POST adds one (`is_advice` to offer advice)."""
        post = self.get_object()
        if request.method == "POST":
            data = CommentSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            comment = services.add_comment(
                actor=self.membership,
                post=post,
                body=data.validated_data["body"],
                is_advice=data.validated_data.get("is_advice", False),
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.comments_of(post))
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(
        request=ReactionSerializer,
        responses=ReactionsSerializer,
        parameters=[
            OpenApiParameter(
                "emoji",
                OpenApiTypes.STR,
                description="DELETE: the emoji (also accepted in the body).",
            )
        ],
    )
    @action(detail=True, methods=["post", "delete"], url_path="reactions", url_name="reactions")
    def reactions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """React to a post with one emoji of the fixed set (POST) or take it back (DELETE);
        both idempotent."""
        post = self.get_object()
        sent: Any = request.data if request.data else request.query_params
        data = ReactionSerializer(data={"emoji": sent.get("emoji", "") if sent else ""})
        data.is_valid(raise_exception=True)
        emoji = data.validated_data["emoji"]
        if request.method == "POST":
            services.react(actor=self.membership, post=post, emoji=emoji)
        else:
            services.unreact(actor=self.membership, post=post, emoji=emoji)
        fresh = selectors.decorate(self.membership, [post])[0]
        return Response(
            {"reactions": fresh.reaction_counts, "my_reactions": fresh.my_reactions}  # type: ignore[attr-defined]
        )

    @extend_schema(request=ReviewSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"], url_path="review", url_name="review")
    def review(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A manager of the author marks a daily report reviewed; the author is notified."""
        post = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_report(
            actor=self.membership, post=post, comment=data.validated_data.get("comment", "")
        )
        return Response(self._card(post))


class CommentHelpfulView(OrgScopedAPIMixin, APIView):
    """The post's author marks which advice helped (or takes it back)."""

    @extend_schema(request=HelpfulSerializer, responses=CommentSerializer)
    def post(self, request: Request, org_slug: str, post_id: int, comment_id: int) -> Response:
        post = get_object_or_404(access.posts_visible_to(self.membership), pk=post_id)
        comment = get_object_or_404(post.comments.all(), pk=comment_id)
        data = HelpfulSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.mark_helpful(
            actor=self.membership, comment=comment, helpful=data.validated_data["helpful"]
        )
        return Response(CommentSerializer(comment).data)


class PhotoView(OrgScopedAPIMixin, APIView):
    """A post's photo, only to those who may read the post (404 for anyone else)."""

    renderer_classes = [renderers.JSONRenderer, ImageRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("size", OpenApiTypes.STR, enum=["full", "thumb"], required=False)
        ],
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request: Request, org_slug: str, photo_id: int) -> Any:
        photo = get_object_or_404(
            access.photos_visible_to(self.membership).select_related("post"), pk=photo_id
        )
        return photos.photo_response(photo, thumbnail=request.query_params.get("size") == "thumb")


# --- direct messages ----------------------------------------------------------------------


class ConversationSerializer(serializers.ModelSerializer):
    participants = serializers.SerializerMethodField()
    unread = serializers.IntegerField(read_only=True)

    class Meta:
        model = Conversation
        fields = ["id", "participants", "last_message_at", "unread", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_participants(self, conversation: Conversation) -> list[int]:
        return [user.pk for user in conversation.participants.all()]


class ConversationWriteSerializer(serializers.Serializer):
    participants = serializers.ListField(
        child=_MemberField(), min_length=1, max_length=services.MAX_PARTICIPANTS
    )


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"body": {"max_length": MESSAGE_MAX}}


class ConversationViewSet(OrgScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Direct messages: private to their participants, admins included (404 to anyone else)."""

    serializer_class = ConversationSerializer
    lookup_url_kwarg = "conversation_id"
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Conversation]:
        if self.is_schema_generation:
            return Conversation.objects.none()
        return selectors.conversations_of(self.membership)

    @extend_schema(
        request=ConversationWriteSerializer,
        responses={200: ConversationSerializer, 201: ConversationSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a conversation (the caller takes part); the same people reuse theirs (200)."""
        data = ConversationWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        conversation, created = services.start_conversation(
            actor=self.membership, participants=data.validated_data["participants"]
        )
        fresh = self.get_queryset().get(pk=conversation.pk)
        return Response(
            ConversationSerializer(fresh).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        methods=["GET"],
        responses=MessageSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="Only messages after this message id."
            )
        ],
    )
    @extend_schema(methods=["POST"], request=MessageSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["get", "post"], url_path="messages", url_name="messages")
    def messages(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The conversation's messages, oldest first (reading marks them read); POST writes."""
        conversation = self.get_object()
        if request.method == "POST":
            data = MessageSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            message = services.send_message(
                actor=self.membership, conversation=conversation, body=data.validated_data["body"]
            )
            return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
        after = request.query_params.get("after", "0")
        if not after.isdigit() or len(after) > 18:
            raise DomainError(_("“after” is a message id."), field="after")
        page = self.paginate_queryset(selectors.messages_of(conversation, after_id=int(after)))
        services.mark_conversation_read(actor=self.membership, conversation=conversation)
        return self.get_paginated_response(MessageSerializer(page, many=True).data)


# --- notifications ------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text=gettext_lazy("Plain text."))
    url = serializers.CharField(read_only=True, help_text=gettext_lazy("A path of the site."))
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "text", "url", "created_at", "read"]
        read_only_fields = fields

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Omit to mark every notification read."),
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationViewSet(OrgScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first."""

    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self) -> QuerySet[Notification]:
        if self.is_schema_generation:
            return Notification.objects.none()
        return selectors.notifications_for(self.membership)

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read", url_name="read")
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark these notifications read (`{}`: all of them)."""
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.mark_notifications_read(
            actor=self.membership, ids=data.validated_data.get("ids")
        )
        return Response({"marked": marked, "unread": selectors.unread_count(self.membership)})
