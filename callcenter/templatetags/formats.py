"""`{% load formats %}`: the product's one way of writing durations and moments."""

from django import template

from callcenter import formats

register = template.Library()

register.filter("duration", formats.duration)
register.filter("moment", formats.moment)
register.filter("clock", formats.clock)
