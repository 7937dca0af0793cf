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
  on the marked-safe translation: the values are escaped as before; where
  the call is output directly (``{{ _(...) }}``) and has only ``%(name)s``
  placeholders, by the translation's text around ``{{ value }}`` (the same
  escaping, no formatting at render time).

``ngettext`` and any call whose text is not a literal stay calls. Its
templates are also :class:`_LocalisedTemplate`, whose imports are cheaper.
Pages (``render.page`` and the facilitator's ``admin._page``) render here;
mail and error pages use Flask's ``render_template`` and the app's
environment, which translates at render time (``force_locale`` still
switches a mail's language). A catalogue is read when its language's first page compiles: a
changed ``.mo`` file needs a restart, as a changed template does without
``TEMPLATES_AUTO_RELOAD``.
"""

from __future__ import annotations

import re
from collections import ChainMap
from typing import Any

from flask import Flask, before_render_template, current_app, template_rendered
from jinja2 import Environment, Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from jinja2.visitor import NodeTransformer
from jinja2_fragments import render_block as _render_block
from jinja2_fragments.flask import before_render_template_block, template_block_rendered

from ..i18n import current_language, translations

#: Template functions whose literal text is translated at compile time.
GETTEXT_NAMES = frozenset({"_", "gettext"})
#: Compiled templates kept per language (Jinja's default).
TEMPLATE_CACHE_SIZE = 400


#: A translation's pieces: ``%(name)s`` placeholders and ``%%``.
_PLACEHOLDER = re.compile(r"(%\(\w+\)s|%%)")


def _literal_gettext(node: nodes.Node) -> str | None:
    """The text of ``_("literal", ...)``/``gettext("literal", ...)``, else ``None``."""
    if (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name in GETTEXT_NAMES
        and node.node.ctx == "load"
        and len(node.args) == 1
        and isinstance(node.args[0], nodes.Const)
        and isinstance(node.args[0].value, str)
        and node.dyn_args is None
        and node.dyn_kwargs is None
    ):
        return node.args[0].value
    return None


class _TranslateLiterals(NodeTransformer):
    """Replaces ``_("literal", **values)`` by its translation (see the module)."""

    def __init__(self, translate: Any) -> None:
        self.translate = translate

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        """``{{ _("... %(name)s ...", name=value) }}`` as the translation's text
        around ``{{ value }}``: what ``%`` gives, without formatting at render."""
        children: list[nodes.Expr] = []
        for child in node.nodes:
            pieces = self._pieces(child)
            if pieces is None:
                children.append(self.visit(child))
            else:
                children.extend(pieces)
        node.nodes = children
        return node

    def _pieces(self, node: nodes.Expr) -> list[nodes.Expr] | None:
        """The translation of a literal ``_()`` with values as text and values,
        when it has only ``%(name)s`` placeholders of given values (and ``%%``)."""
        literal = _literal_gettext(node)
        if literal is None or not node.kwargs:  # type: ignore[attr-defined]
            return None
        values = {k.key: k.value for k in node.kwargs}  # type: ignore[attr-defined]
        text = str(self.translate(literal))
        lineno = node.lineno
        pieces: list[nodes.Expr] = []
        for part in _PLACEHOLDER.split(text):
            if part == "%%":
                pieces.append(nodes.TemplateData("%", lineno=lineno))
            elif part.startswith("%(") and part.endswith(")s"):
                if part[2:-2] not in values:
                    return None
                pieces.append(self.visit(values[part[2:-2]]))
            elif "%" in part:
                return None  # another conversion (%(num)d): left to the % operator
            elif part:
                pieces.append(nodes.TemplateData(part, lineno=lineno))
        return pieces

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        literal = _literal_gettext(node)
        if literal is None:
            return node
        text = str(self.translate(literal))
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


class _LocalisedTemplate(Template):
    """A template whose ``{% from ... import %}`` costs no Python loop.

    Jinja checks at every import whether the importing page has globals the
    imported template lacks, with a set difference against a ``ChainMap``
    that calls Python code per global (some seventy here: about 220 calls an
    import, six imports a decision page). ``set.difference`` over the
    ChainMap's own dicts gives the same set in C.
    """

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None and self._module is not None and isinstance(self.globals, ChainMap):
            if not ctx.globals_keys.difference(*self.globals.maps):
                return self._module
        return super()._get_default_module(ctx)


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
    language = current_language()
    kept: dict[str, Environment] = app.extensions.setdefault("cop_localised_envs", {})
    env = kept.get(language)
    if env is None:
        # A cache of its own (an overlay copies the app's compiled templates otherwise).
        env = app.jinja_env.overlay(cache_size=TEMPLATE_CACHE_SIZE)
        env.code_generator_class = _LocalisedCodeGenerator
        env.template_class = _LocalisedTemplate
        env.cop_translate = translations().gettext  # type: ignore[attr-defined]
        # The language its compiled code is in (a bytecode cache shared by
        # several apps, as the tests' is, keys on it).
        env.cop_language = language  # type: ignore[attr-defined]
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
