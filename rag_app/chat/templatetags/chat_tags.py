from django import template

from rag_app.chat import rendering

register = template.Library()


@register.simple_tag
def answer_html(answer):
    cited = {source.number: source for source in answer.sources.all() if source.cited}
    return rendering.answer_html(answer.text, answer.pk, cited)


@register.filter
def highlighted(source):
    return rendering.highlighted_passage(source.text, source.support)


@register.simple_tag
def feedback_of(answer, user):
    """The user's own feedback on an answer, or None."""
    return next((item for item in answer.feedback.all() if item.user_id == user.pk), None)
