"""Annotating diagnostics with a profile: the figures, the priority, and the decisions that the
evidence changes (said in the diagnostic's message)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from perfcodemod.annotation import Priority, ProfileAnnotation
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.profile import decisions
from perfcodemod.profile.join import MODULE, FileEvidence, FunctionFigures, ProfileIndex
from perfcodemod.profile.model import Profile
from perfcodemod.profile.paths import match_files


@dataclass
class FileOutcome:
    kept: list[Diagnostic] = field(default_factory=list)
    #: Findings the evidence removed, with the reason.
    dropped: list[tuple[Diagnostic, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Selection:
    """What the user's settings say about the opt-in cache candidate for one file."""

    #: PCM402 is selected: report it as usual.
    pcm402_selected: bool = False
    #: PCM402 is not explicitly ignored: the evidence may report it anyway.
    pcm402_allowed: bool = True


class ProfileJoin:
    """One profile joined to the files of one run."""

    def __init__(self, profile: Profile, checked: Iterable[str] | None = None) -> None:
        """``checked``: every file of the run, so that a profile file that could be several
        of them goes to the closest; None: files are matched one at a time as they come
        (an editor)."""
        self.profile = profile
        self.index = ProfileIndex(profile)
        self._profile_files = profile.files()
        self.checked = list(checked) if checked is not None else None
        self.matches = (
            match_files(self._profile_files, self.checked) if self.checked is not None else {}
        )
        self.stale_files: list[str] = []

    @property
    def matched_anything(self) -> bool:
        return bool(self.matches)

    def _matched(self, path: str) -> list[str]:
        if self.checked is None and path not in self.matches:
            self.matches.update(match_files(self._profile_files, [path]))
        return self.matches.get(path, [])

    def evidence(self, path: str, text: str, tree: ast.Module | None = None
                 ) -> FileEvidence | None:
        """The profile's figures for one file (``tree``: its ``ast``, when already parsed)."""
        files = self._matched(path)
        if not self.matched_anything:
            return None
        if tree is None:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        evidence = FileEvidence(self.index, files, text, tree)
        if evidence.stale:
            self.stale_files.append(path)
        return evidence

    def notes(self) -> list[str]:
        """What the user should know about how the profile matched the checked files."""
        notes = list(self.profile.notes)
        names = ", ".join(path for _, path in self.profile.sources)
        if self.checked and not self.matched_anything:
            count = len(self._profile_files)
            notes.append(
                f"profile {names}: none of its {count:,} file{'s' if count != 1 else ''} "
                "matches the checked files (a profile of another program?); findings are not "
                "annotated"
            )
        notes.extend(
            f"{path}: changed since it was profiled; its probe evidence is not used"
            for path in self.stale_files
        )
        return notes

    def annotate(
        self,
        path: str,
        text: str,
        diagnostics: Sequence[Diagnostic],
        selection: Selection = Selection(),
        hot: float | None = None,
        tree: ast.Module | None = None,
    ) -> FileOutcome:
        outcome = FileOutcome()
        evidence = self.evidence(path, text, tree) if diagnostics else None
        for diagnostic in diagnostics:
            if evidence is None:
                if diagnostic.code != decisions.PROMOTABLE or selection.pcm402_selected:
                    outcome.kept.append(diagnostic)
                continue
            self._one(evidence, diagnostic, selection, hot, outcome)
        return outcome

    def _one(
        self,
        evidence: FileEvidence,
        diagnostic: Diagnostic,
        selection: Selection,
        hot: float | None,
        outcome: FileOutcome,
    ) -> None:
        code = diagnostic.code
        span, figures = evidence.function(diagnostic.row)
        # Reported on a def or decorator line: about the whole function, not one line.
        function_level = span.name != MODULE and diagnostic.row <= span.def_line
        share = _share(figures.inclusive, figures.total)
        self_share = _share(figures.self_time, figures.total)
        line_share = None if function_level else evidence.line_share(diagnostic.row)
        site = evidence.site(code, diagnostic.row, diagnostic.col)
        ran = figures.ran
        hits = max_size = None
        hit_rate = None
        saved_bytes = None
        if site is not None:
            hits = site.calls if code in decisions.CACHE_CANDIDATES else site.hits
            max_size = site.max_size
            if not hits:
                ran = False
            hit_rate = decisions.cache_hit_rate(site)
            if code in decisions.MEMORY_RULES:
                saved_bytes = site.max_bytes
        if code in decisions.EXISTING_CACHES:
            cache = evidence.cache(span)
            if cache is not None:
                hit_rate = cache.hit_rate
                max_size = cache.currsize
        site_share = share if function_level or line_share is None else line_share
        level = decisions.priority(site_share, ran)
        estimate = None
        if ran is not False:
            estimate = decisions.estimated_saving(
                code, site_share=None if function_level else line_share,
                function_share=share, site=site, run_time=self.profile.run_time,
            )
        fields = ProfileAnnotation(
            function=span.qualname, share=share, self_share=self_share, calls=figures.calls,
            line_share=line_share, hits=hits, max_size=max_size, hit_rate=hit_rate,
            estimated_saving=estimate, priority=level, saved_bytes=saved_bytes,
            time_per_call=_per_call(figures),
        )
        notes: list[str] = []
        drop = decisions.drop_reason(code, site)
        if code == decisions.PROMOTABLE and not selection.pcm402_selected:
            promoted = None
            if selection.pcm402_allowed and drop is None:
                promoted = decisions.promotion(site, share, hot)
            if promoted is None:
                return  # not selected, and the evidence does not call for it
            notes.append(promoted)
        if drop is not None:
            outcome.dropped.append((_annotated(diagnostic, fields, notes), drop))
            return
        demoted = decisions.demotion(code, max_size) if site is not None else None
        if demoted is not None:
            notes.append(demoted)
            if level is not None and level.rank < Priority.LOW.rank:
                fields = replace(fields, priority=Priority.LOW)
        if hot is not None and (site_share is None or site_share < hot or ran is False):
            return
        outcome.kept.append(_annotated(diagnostic, fields, notes))


def _annotated(diagnostic: Diagnostic, annotation: ProfileAnnotation, notes: list[str]
               ) -> Diagnostic:
    """The diagnostic with its annotation; a decision the evidence made is said in the
    message, so that every output format carries it."""
    message = diagnostic.message
    if notes:
        message = f"{message} ({'; '.join(notes)})"
    return replace(diagnostic, message=message, profile=annotation)


def _per_call(figures: FunctionFigures) -> float | None:
    calls = figures.primitive_calls or figures.calls
    if figures.inclusive is None or not calls:
        return None
    return figures.inclusive / calls


def _share(value: float | None, total: float) -> float | None:
    if value is None or total <= 0:
        return None
    return min(1.0, value / total)
