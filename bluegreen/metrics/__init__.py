"""Release metrics: what each release and each minute of traffic emits to CloudWatch, and the four
delivery figures computed from the release records.

- `names.py`: the catalogue — namespace, metric names, units and dimension sets (one place, read by
  the emitters, the dashboard and the docs' test).
- `facts.py`: what a release record says about delivery (went live, lead time, phases, failure,
  restore), pure; `delivery.py`: the four figures over a window of records, pure.
- `emf.py`: the sink that prints CloudWatch embedded metric format through Powertools Metrics
  (no API call: CloudWatch Logs extracts the metrics from the function's log).
- `release_metrics.py`: the one-line hooks the release steps call; `traffic_sample.py`: the
  once-a-minute sample of the live colour and the gateways' heartbeats.
"""
