# Sourced by scripts/hearth.sh and .ci/run: the environment every project command runs in.
# No tool phones home: Turborepo's anonymous telemetry is off (it otherwise announces "Turborepo now collects
# completely anonymous telemetry" and sends usage events), and DO_NOT_TRACK asks the same of any tool that honours it.
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
