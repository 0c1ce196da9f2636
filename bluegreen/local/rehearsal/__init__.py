"""`make demo`: a full local rehearsal of a release of the configured app, with every moving part
real except AWS and EKS.

- moto as an HTTP server executes the real statemachines/release.asl.json; its Lambda tasks run
  the real handlers (bluegreen.local.server_workflow); the `bluegreen` CLI reaches the same server.
- The fake Kubernetes API server plays the cluster, seeded with the config's initial colour live;
  each colour's pods are a local process (bluegreen.local.app_server) answering every configured
  service's path at the version deployed in that colour's namespace, restarted whenever those
  deployments change; the services the rehearsal overlay names stand in for the app's sessions,
  profiles and card payments (bluegreen.local.stand_in).
- One real nginx per configured gateway, each with the real gateway agent (runtime mode) following
  the configured SSM parameter, routes the live domain to the active colour and the preprod domain
  to the idle one.
- The app's own smoke suite runs through the preprod domain (nginx, the new colour's pods), reading
  its secrets from the local Secrets Manager (the overlay's values); the configured approvers
  approve; the configured alarms fire.

Modules: processes (supervision, signals), pods, gateways, routing (local DNS), decide_url (the
approval URL for a second terminal), stage (starting all of it), scenario (the story and its
verdict), narration (what is printed), cli (arguments). Waits inside the workflow are virtual (a
ten-minute bake takes a second); the gateways live in real time, so the workflow's ConfirmGateways
step waits for their real acknowledgements. Every process is stopped on exit, on Ctrl-C and on
SIGTERM.
"""
