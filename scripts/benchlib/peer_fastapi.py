"""The seeds' stack as a benchmark peer (scripts/bench, rung ka): FastAPI + uvicorn +
pydantic doing the check-shaped work of POST /v1/check without any I/O — no
database, no key lookup, no audit, no nginx in front. It validates the same body
(operations with type/model/provider/tokens/input/records/data_classification,
a free-form context), scans the text fields for e-mail addresses, card-like digit
runs and US SSNs with regular expressions, applies the three benchmark policies
(allowed models, max tokens, max external calls, large-dataset weight, block
threshold) and answers the decision, risk score, reasons and violations.

Installed into a throw-away venv by scripts/benchlib/keepalive.sh; never part of
the product. Run: uvicorn peer_fastapi:app --workers 2 --port N --no-access-log
"""

import re
from typing import Any, Literal, Optional

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class Operation(BaseModel):
    type: Literal["llm_call", "embedding", "data_query", "tool_call", "external_api"]
    model: Optional[str] = None
    provider: Optional[str] = None
    tokens: Optional[int] = Field(default=None, ge=0)
    input: Optional[str] = None
    records: Optional[int] = Field(default=None, ge=0)
    data_classification: Optional[str] = None


class CheckRequest(BaseModel):
    operations: list[Operation] = Field(min_length=1, max_length=100)
    context: dict[str, Any] = {}


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")

ALLOWED_MODELS = {"gpt-4", "claude-3", "text-embedding-3-small"}
MAX_TOKENS = 10000
MAX_EXTERNAL_CALLS = 5
LARGE_DATASET_RECORDS = 5000
BLOCK_THRESHOLD = 60


def strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def personal_data(texts) -> list[str]:
    kinds = []
    for text in texts:
        if EMAIL.search(text):
            kinds.append("email")
        if SSN.search(text):
            kinds.append("ssn")
        if CARD.search(text):
            kinds.append("card")
    return kinds


@app.post("/v1/check")
def check(request: CheckRequest):
    score = 0
    reasons = []
    violations = []
    external = 0
    for index, op in enumerate(request.operations):
        if op.type in ("llm_call", "external_api") and op.provider not in (None, "internal"):
            external += 1
        if op.model is not None and op.model not in ALLOWED_MODELS:
            violations.append({"rule": "allowed_models", "operation": index})
        if op.tokens is not None and op.tokens > MAX_TOKENS:
            violations.append({"rule": "max_tokens", "operation": index})
        if op.records is not None and op.records > LARGE_DATASET_RECORDS:
            score += 35
            reasons.append({"factor": "large_dataset", "points": 35})
    if external:
        score += 50
        reasons.append({"factor": "external_model", "points": 50})
    if external > MAX_EXTERNAL_CALLS:
        violations.append({"rule": "max_external_calls"})
    found = personal_data(list(strings([op.input for op in request.operations if op.input])) + list(strings(request.context)))
    if found:
        score += 70
        reasons.append({"factor": "personal_data", "points": 70, "kinds": sorted(set(found))})
        violations.append({"rule": "block_personal_data"})
    score = min(score, 100)
    allowed = not violations and score < BLOCK_THRESHOLD
    return {"allowed": allowed, "decision": "allow" if allowed else "block", "risk_score": score,
            "reasons": reasons, "violations": violations}
