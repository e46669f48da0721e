"""Records of a grading run: frozen dataclasses, the data every reporter consumes.

Outcomes are values (``passed``, ``failed``, ``error``, ``skipped``); a submission's ``status`` says whether
it could be graded at all (``graded``, ``invalid``, ``missing_symbol``, ``load_error``, ``grader_error``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # a record, not a pytest test class
    name: str  # the test function, e.g. "test_specials_come_first"
    description: str  # first line of its docstring, for students
    visibility: str  # "public" or "hidden"
    points: float
    max_points: float
    outcome: str
    message: str = ""  # for the student: what was expected, what came back, a hint
    detail: str = ""  # for the instructor: assertion introspection, grader tracebacks
    output: str = ""  # what the student's code printed during the test (capped)
    duration: float = 0.0
    notes: tuple[str, ...] = ()  # for the student, pass or fail: e.g. how the weights were loaded
    pictures: tuple[dict, ...] = ()  # failures only: plain-data pictures (results/pictures.py draws them)


@dataclass(frozen=True)
class SubmissionResult:
    submission_id: str
    assignment: str
    path: str
    content_hash: str
    suite_hash: str
    status: str
    score: float
    max_score: float
    message: str = ""  # why the submission could not be graded, or extraction warnings
    tests: tuple[TestResult, ...] = ()
    protections: tuple[str, ...] = ()
    device: str = "cpu"
    duration: float = 0.0
    grader_version: str = ""
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SubmissionResult":
        data = dict(data)
        data["tests"] = tuple(TestResult(**{**t, "notes": tuple(t.get("notes", ())),
                                            "pictures": tuple(t.get("pictures", ()))}) for t in data.get("tests", ()))
        data["protections"] = tuple(data.get("protections", ()))
        data["warnings"] = tuple(data.get("warnings", ()))
        return cls(**data)
