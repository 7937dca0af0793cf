"""Pages compiled once per language: fixed strings translated when a template compiles.

A page looks up about a hundred fixed strings (``{{ _("Status") }}``); even
from a cached catalogue each lookup is a template call, a Markup and an
escape, about a fifth of a page's work. Here every language gets its own
Jinja environment (an overlay of the app's: same loader, globals and
filters, its own template cache), whose code generator replaces, before the
template is compiled,

* ``_("literal")`` and ``gettext("literal")`` by the translation itself,
  marked safe where the template autoescapes (what newstyle gettext
  returns), so Jinja writes it into the compiled page as text;
* ``_("literal %(name)s", name=value)`` by ``translation % {"name": value}``
  on the marked-safe translation: the values are escaped as before.

``ngettext`` and any call whose text is not a literal stay calls. Mail and
the other callers of Flask's ``render_template`` use the app's environment,
which translates at render time (``force_locale`` still switches a mail's
language). A catalogue is read when its language's first page compiles: a
changed ``.mo`` file needs a restart, as a changed template does without
``TEMPLATES_AUTO_RELOAD``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, before_render_template, current_app, template_rendered
from flask_babel import get_locale
from jinja2 import Environment, Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.visitor import NodeTransformer
from jinja2_fragments import render_block as _render_block
from jinja2_fragments.flask import before_render_template_block, template_block_rendered

from ..i18n import translations

#: Template functions whose literal text is translated at compile time.
GETTEXT_NAMES = frozenset({"_", "gettext"})
#: Compiled templates kept per language (Jinja's default).
TEMPLATE_CACHE_SIZE = 400


class _TranslateLiterals(NodeTransformer):
    """Replaces ``_("literal", **values)`` by its translation (see the module)."""

    def __init__(self, translate: Any) -> None:
        self.translate = translate

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if not (
            isinstance(node.node, nodes.Name)
            and node.node.name in GETTEXT_NAMES
            and node.node.ctx == "load"
            and len(node.args) == 1
            and isinstance(node.args[0], nodes.Const)
            and isinstance(node.args[0].value, str)
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            return node
        text = str(self.translate(node.args[0].value))
        lineno = node.lineno
        if not node.kwargs:
            try:  # newstyle gettext formats with no values too: "100%%" is "100%"
                text = text % {} if "%" in text else text
            except (TypeError, ValueError, KeyError):
                return node
            return nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=lineno), lineno=lineno)
        values = nodes.Dict(
            [
                nodes.Pair(nodes.Const(k.key, lineno=lineno), k.value, lineno=lineno)
                for k in node.kwargs
            ],
            lineno=lineno,
        )
        safe = nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=lineno), lineno=lineno)
        return nodes.Mod(safe, values, lineno=lineno)


class _LocalisedCodeGenerator(CodeGenerator):
    """Jinja's code generator, translating literal strings first (see the module)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        translate = getattr(self.environment, "cop_translate", None)
        if translate is not None:
            node = _TranslateLiterals(translate).visit(node)
            node.set_environment(self.environment)
        super().visit_Template(node, frame)


def environment(app: Flask) -> Environment:
    """The Jinja environment of the current request's language, made on first use."""
    language = str(get_locale())
    kept: dict[str, Environment] = app.extensions.setdefault("cop_localised_envs", {})
    env = kept.get(language)
    if env is None:
        # A cache of its own (an overlay copies the app's compiled templates otherwise).
        env = app.jinja_env.overlay(cache_size=TEMPLATE_CACHE_SIZE)
        env.code_generator_class = _LocalisedCodeGenerator
        env.cop_translate = translations().gettext  # type: ignore[attr-defined]
        kept[language] = env
    return env


def render_template(name: str, **context: Any) -> str:
    """Flask's ``render_template`` in the request's language environment
    (the same context processors and signals)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    template: Template = environment(app).get_template(name)
    app.update_template_context(context)
    before_render_template.send(
        app, _async_wrapper=app.ensure_sync, template=template, context=context
    )
    rendered = template.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return rendered


def render_block(name: str, block: str, **context: Any) -> str:
    """jinja2-fragments' ``render_block`` in the request's language environment."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    app.update_template_context(context)
    before_render_template_block.send(app, template_name=name, block_name=block, context=context)
    rendered = _render_block(environment(app), name, block, **context)
    template_block_rendered.send(app, template_name=name, block_name=block, context=context)
    return rendered
