"""`{% load call_labels %}`: a call's parties as `calls.presenters` names them."""

from django import template

from calls import presenters

register = template.Library()

register.filter("caller", presenters.caller_label)
register.filter("callee", presenters.callee_label)
register.filter("copyable", presenters.copyable)
