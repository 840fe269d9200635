"""Template filters for notifications: the text in the reader's language and the kind's icon."""

from django import template

from fieldloop.notifications.kinds import kind_icon, render_message
from fieldloop.notifications.models import Notification

register = template.Library()


@register.filter
def notification_message(notification: Notification) -> str:
    return render_message(notification.kind, notification.params)


@register.filter
def notification_icon(notification: Notification) -> str:
    return kind_icon(notification.kind)
