// Test support: a real, private PostgreSQL server for tests and benchmarks.
//
// initdb + pg_ctl in a fresh temp dir, listening on a Unix socket in that dir only (no TCP
// port, so parallel test processes never collide). PostgreSQL refuses to run as root: when
// the test runs as root, the data dir is given to the unprivileged `nobody` user and the
// server programs run under it (fork + setgid/setuid). The server is stopped (immediate) and
// the dir removed when the object is destroyed.
//
// No PostgreSQL installed (no initdb) is a failure with a message, never a skip: the collector
// supports PostgreSQL, so its tests must run (scripts/install-deps.sh installs postgresql-15).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace uplinkprobe::testing {

class PostgresServer {
 public:
  struct Options {
    bool fsync = false;  // tests: off (speed); benchmarks: on (real durability cost)
    std::string shared_buffers = "128MB";
  };

  PostgresServer() : PostgresServer(Options{}) {}
  explicit PostgresServer(const Options& options) {
    bin_ = findBinDir();
    if (bin_.empty()) {
      error_ =
          "no PostgreSQL server programs (initdb) under /usr/lib/postgresql/*/bin: run "
          "scripts/install-deps.sh (postgresql-15)";
      return;
    }
    char tmpl[] = "/tmp/up-pg-XXXXXX";
    if (!mkdtemp(tmpl)) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);
    if (geteuid() == 0) {
      run_uid_ = 65534;  // nobody
      run_gid_ = 65534;
      if (chown(dir_.c_str(), run_uid_, run_gid_) != 0) {
        error_ = "chown " + dir_ + " to nobody failed";
        return;
      }
    }
    const std::string data = dir_ + "/data";
    if (int rc = runAs({bin_ + "/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                        "--locale=C", "--no-sync"},
                       dir_ + "/initdb.log");
        rc != 0) {
      error_ = "initdb failed (" + std::to_string(rc) + "): " + tail(dir_ + "/initdb.log");
      return;
    }
    std::string opts = "-c listen_addresses='' -k " + dir_ +
                       " -c fsync=" + (options.fsync ? "on" : "off") +
                       " -c shared_buffers=" + options.shared_buffers + " -c max_connections=50";
    if (!options.fsync) opts += " -c synchronous_commit=off -c full_page_writes=off";
    if (int rc = runAs({bin_ + "/pg_ctl", "-D", data, "-l", dir_ + "/server.log", "-w", "-t", "60",
                        "-o", opts, "start"},
                       dir_ + "/pg_ctl.log");
        rc != 0) {
      error_ = "pg_ctl start failed (" + std::to_string(rc) + "): " + tail(dir_ + "/server.log");
      return;
    }
    started_ = true;
  }

  ~PostgresServer() {
    if (started_)
      runAs({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"},
            dir_ + "/pg_ctl.log");
    if (!dir_.empty() && std::getenv("UPLINKPROBE_KEEP_PG") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool ok() const { return started_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }

  // libpq URL of database `name` on this server (create it first with createDatabase()).
  std::string url(const std::string& name = "postgres") const {
    return "postgresql:///" + name + "?host=" + dir_ + "&user=postgres";
  }
  // Creates database `name` with psql; returns false (and sets error()) on failure.
  bool createDatabase(const std::string& name) {
    int rc = runAs({bin_ + "/psql", "-X", "-q", "-h", dir_, "-U", "postgres", "-d", "postgres",
                    "-c", "CREATE DATABASE \"" + name + "\""},
                   dir_ + "/psql.log");
    if (rc != 0) error_ = "CREATE DATABASE failed: " + tail(dir_ + "/psql.log");
    return rc == 0;
  }

 private:
  static std::string findBinDir() {
    std::string best;
    if (DIR* d = opendir("/usr/lib/postgresql")) {
      while (auto* e = readdir(d)) {
        std::string p = std::string("/usr/lib/postgresql/") + e->d_name + "/bin";
        if (e->d_name[0] != '.' && access((p + "/initdb").c_str(), X_OK) == 0 && p > best) best = p;
      }
      closedir(d);
    }
    return best;
  }

  static std::string tail(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    std::string t = s.str();
    return t.size() > 2000 ? t.substr(t.size() - 2000) : t;
  }

  int runAs(std::vector<std::string> argv, const std::string& log) const {
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        if (run_uid_ >= 0 && fchown(fd, run_uid_, run_gid_) != 0) _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
      }
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, 0);
      if (run_uid_ >= 0) {
        if (setgroups_none() != 0 || setgid(run_gid_) != 0 || setuid(run_uid_) != 0) _exit(126);
      }
      if (chdir(dir_.c_str()) != 0) _exit(126);
      setenv("LC_ALL", "C", 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  static int setgroups_none();

  std::string bin_, dir_, error_;
  int run_uid_ = -1, run_gid_ = -1;
  bool started_ = false;
};

}  // namespace uplinkprobe::testing

#include <grp.h>
inline int uplinkprobe::testing::PostgresServer::setgroups_none() { return setgroups(0, nullptr); }
