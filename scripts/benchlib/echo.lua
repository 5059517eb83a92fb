-- wrk script for the (c) rung: POST a small JSON document to /_echo, which
-- Convergence decodes and encodes again (CONVERGENCE_ENABLE_ECHO=true).
wrk.method = "POST"
wrk.body = '{"name":"bench","count":3,"tags":["a","b"]}'
wrk.headers["Content-Type"] = "application/json"
