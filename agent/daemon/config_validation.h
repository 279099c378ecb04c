// One validation path (issue 9): every check that `uplinkprobe run` makes before it uses a
// configuration — at start and on each SIGHUP reload — is made here, and `check-config`
// calls the same function, so the two cannot drift. Checks beyond the loader's per-key rules
// (config_loader.h), each message naming file, line and key:
// - [identity] is not example-config's placeholder (run `uplinkprobe commission`);
// - [availability] exactly as AvailabilityMonitor::start() checks it (checkOptions(): IP
//   literals for dns_servers and gateway, a valid dns_name, report_period_s >= interval_s);
// - [mqtt] exactly as the publisher builds its session (makeConnectSettings(): a URI with a
//   host, a readable non-empty password_file, readable TLS files);
// - every file named by [mqtt] password_file/ca_file/cert_file/key_file and [throughput]
//   ca_file exists and is readable by the service user (below);
// - [control] trusted_keys are readable Ed25519 public keys (as the daemon loads them);
// - [storage] dir is a writable directory or can be created.
// "The service user": the user running this process; when that is root and the account
// `service_user` exists (the package's unit runs as User=uplinkprobe), that account, judged
// from owner/group/mode bits of the file and its parent directories (ACLs are not read).
// The storage directory is judged for the running process (systemd's StateDirectory=
// creates it for the service user).
#pragma once

#include <string>
#include <vector>

#include "agent/availability/availability_monitor.h"
#include "agent/config/config.h"

namespace uplinkprobe::daemon {

struct ValidationOptions {
  std::string service_user = "uplinkprobe";
};

struct Validation {
  std::vector<std::string> errors;    // refuse the config: exit 78 / keep the old one
  std::vector<std::string> warnings;  // run with it, but say so (check-config prints them)
  bool ok() const { return errors.empty(); }
  std::string summary() const;  // errors joined by "; "
};

Validation validate(const config::Config& c, const ValidationOptions& options = {});

// The availability monitor's options as the daemon derives them from the config (shared by
// validate() and the daemon so that what is checked is what runs).
availability::AvailabilityOptions availabilityOptions(const config::Config& c);

}  // namespace uplinkprobe::daemon
