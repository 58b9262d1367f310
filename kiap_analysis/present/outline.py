"""A package spec as a readable outline (``kiap package show NAME``)."""

from __future__ import annotations

from kiap_analysis.core.spec import PackageSpec, Question, Scale


def package_outline(spec: PackageSpec) -> list[str]:
    """A spec as readable lines: header, scales, questions by program step, offers, program.

    Labels are the spec's YAML keys, so what is shown is easy to find in the file."""
    lines = [f"{spec.name}: {spec.title}", f"version: {spec.version}", f"data: {', '.join(spec.data)}"]
    for key, value in (("source", spec.source), ("description", spec.description), ("file", spec.path)):
        if value:
            lines.append(f"{key}: {value}")
    if spec.scales:
        lines += ["", f"Scales ({len(spec.scales)})"]
        for name, scale in spec.scales.items():
            lines += [f"  {name}{_direction(scale)}", *_scale_lines(scale, "    ")]
    lines += ["", f"Questions ({len(spec.questions)})"]
    for step_id, title, questions in _questions_by_step(spec):
        lines.append(f"  {step_id}: {title}" if step_id else f"  {title}")
        for question in questions:
            lines += _question_lines(question, spec)
    if spec.offers:
        lines += ["", f"Offers ({len(spec.offers)})"]
        for offer in spec.offers:
            lines.append(f"  {offer.id}: {offer.label}")
            if offer.aliases:
                lines.append(f"    aliases: {', '.join(offer.aliases)}")
    minutes = sum(step.minutes or 0 for step in spec.program)
    steps = len(spec.program)
    lines += ["", f"Program ({steps} step{'' if steps == 1 else 's'}, {minutes} min)"]
    for step in spec.program:
        detail = step.kind + ("" if step.minutes is None else f", {step.minutes} min")
        lines.append(f"  {step.id}: {step.title} ({detail})")
        lines += _bullets("points", step.points, "    ")
        if step.content:
            refs = [(c.ref + (f" (chart: {c.chart})" if c.chart else "")) if c.kind == "question"
                    else f"{c.kind} ({c.ref})" for c in step.content]
            lines.append(f"    content: {', '.join(refs)}")
        lines += _bullets("reflection", step.reflection, "    ")
    return lines


def _direction(scale: Scale) -> str:
    return "" if scale.higher_is_better else " (higher is worse)"


def _scale_lines(scale: Scale, indent: str) -> list[str]:
    return [f"{indent}levels: {' | '.join(scale.levels)}", f"{indent}dont_know: {scale.dont_know or '(none)'}"]


def _bullets(key: str, texts: tuple[str, ...], indent: str) -> list[str]:
    return [f"{indent}{key}:", *(f"{indent}  - {text}" for text in texts)] if texts else []


def _questions_by_step(spec: PackageSpec) -> list[tuple[str, str, list[Question]]]:
    """(step id, step title, questions) in program order: each question under the first step
    that shows it (or its ``block``); questions no step shows come last."""
    placed: dict[str, str] = {}
    for step in spec.program:
        for ref in step.content:
            if ref.kind == "question":
                placed.setdefault(ref.ref, step.id)
    for question in spec.questions:
        if question.block:
            placed.setdefault(question.id, question.block)
    groups = []
    for step in spec.program:
        shown = [c.ref for c in step.content if c.kind == "question" and placed.get(c.ref) == step.id]
        shown += [q.id for q in spec.questions if placed.get(q.id) == step.id and q.id not in shown]
        if shown:
            groups.append((step.id, step.title, [spec.question(qid) for qid in dict.fromkeys(shown)]))
    rest = [q for q in spec.questions if q.id not in placed]
    if rest:
        groups.append(("", "(not in the program)", rest))
    return groups


def _question_lines(question: Question, spec: PackageSpec) -> list[str]:
    pad = "      "
    lines = [f"    {question.id} ({question.type}): {question.text}"]
    if question.short:
        lines.append(f"{pad}short: {question.short}")
    scale = question.scale
    if scale is not None and spec.scales.get(scale.name) is scale:
        lines.append(f"{pad}scale: {scale.name}")
    elif scale is not None:
        lines += [f"{pad}scale: (own){_direction(scale)}", *_scale_lines(scale, pad + "  ")]
    for key, choices in (("items", question.items), ("options", question.options)):
        if choices:
            lines += [f"{pad}{key}:", *(f"{pad}  - {choice.id}: {choice.label}" for choice in choices)]
    return lines
