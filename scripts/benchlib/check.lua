-- wrk script for rung v: a typical governance check (3 operations, context).
-- scripts/bench substitutes the customer key for @KEY@.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "@KEY@"
wrk.body = [[{"operations": [
  {"type": "llm_call", "model": "gpt-4", "provider": "openai", "tokens": 1200,
   "input": "Summarise the quarterly revenue report for the board and list three risks."},
  {"type": "embedding", "model": "text-embedding-3-small", "tokens": 300},
  {"type": "data_query", "records": 2500, "data_classification": "internal"}],
 "context": {"user_id": "user_123", "session_id": "session_456", "department": "finance",
             "request": {"ticket": "ORD-2024-000123", "created": "2026-11-25T10:35:00Z", "tags": ["q3", "board"]}}}]]
