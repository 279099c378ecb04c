// `uplinkprobe-collector user add|passwd|del|list|token`: the people of the web UI and the
// scripts of the API (collector/auth). Passwords come from standard input (prompted twice with
// echo off on a terminal, else one line), never from the command line, where `ps` and the
// shell history would keep them.
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "collector/auth/password.h"
#include "collector/auth/scope.h"
#include "collector/auth/user_store.h"
#include "collector/cli/args.h"
#include "collector/cli/commands.h"
#include "collector/cli/common_setup.h"

namespace uplinkprobe::collector::cli {

namespace {

constexpr const char* kUserUsage =
    "usage: uplinkprobe-collector user add NAME --role viewer|operator|admin --scope REGION "
    "--config F\n"
    "       uplinkprobe-collector user passwd NAME --config F\n"
    "       uplinkprobe-collector user del NAME --config F\n"
    "       uplinkprobe-collector user list --config F\n"
    "       uplinkprobe-collector user token NAME --config F   (new API token, printed once)\n"
    "REGION: the province (or *), a city, or city/county, as in the registry.\n"
    "The password is read from standard input (prompted on a terminal).\n";

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One line from stdin, at most kMaxPasswordBytes + 1 bytes kept (longer is refused later).
bool readLine(std::string& out) {
  out.clear();
  int c;
  while ((c = std::getchar()) != EOF && c != '\n') {
    if (out.size() <= auth::kMaxPasswordBytes) out.push_back(static_cast<char>(c));
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return c != EOF || !out.empty();
}

bool readPassword(std::string& out) {
  if (!isatty(STDIN_FILENO)) return readLine(out);
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string again;
  std::fputs("密码 (password): ", stderr);
  bool ok = readLine(out);
  std::fputs("\n再输一次 (again): ", stderr);
  ok = ok && readLine(again);
  std::fputs("\n", stderr);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  if (ok && out != again) {
    std::fputs("uplinkprobe-collector user: the two passwords differ\n", stderr);
    return false;
  }
  return ok;
}

int fail(const std::string& msg, int code) {
  std::fprintf(stderr, "uplinkprobe-collector user: %s\n", msg.c_str());
  return code;
}

}  // namespace

int userCommand(const Argv& argv) {
  if (argv.empty()) {
    std::fputs(kUserUsage, stderr);
    return kExitUsage;
  }
  const std::string verb = argv[0];
  Argv rest(argv.begin() + 1, argv.end());
  auto args = parseArgs(rest, {}, {"--config", "--role", "--scope"}, 1);
  if (!args) return fail(args.error().message + "\n" + kUserUsage, kExitUsage);
  const bool needs_name = verb != "list";
  if (verb != "add" && verb != "passwd" && verb != "del" && verb != "list" && verb != "token")
    return fail("unknown verb \"" + verb + "\"\n" + kUserUsage, kExitUsage);
  if (needs_name != (args->positional.size() == 1))
    return fail(needs_name ? "give the user NAME" : "list takes no NAME", kExitUsage);
  if (verb != "add" && (args->get("--role") || args->get("--scope")))
    return fail("--role and --scope belong to `user add`", kExitUsage);
  const std::string name = needs_name ? args->positional[0] : "";
  if (needs_name) {
    if (auto p = auth::userNameProblem(name); !p.empty()) return fail(p, kExitUsage);
  }

  int code = kExitOk;
  auto cfg = loadConfigOrReport(*args, code);
  if (!cfg) return code;

  auth::User user;
  if (verb == "add") {
    auto role = args->get("--role");
    auto scope = args->get("--scope");
    if (!role || !scope) return fail("add needs --role and --scope", kExitUsage);
    auto r = auth::parseRole(*role);
    if (!r) return fail(r.error().message, kExitUsage);
    auto s = auth::parseScope(*scope, cfg->ledger.province);
    if (!s) return fail(s.error().message, kExitUsage);
    user.name = name;
    user.role = *r;
    user.scope = *s;
  }
  std::string hash;
  if (verb == "add" || verb == "passwd") {
    std::string pw;
    if (!readPassword(pw)) return fail("no password on standard input", kExitUsage);
    if (auto p = auth::passwordProblem(pw); !p.empty()) return fail(p, kExitUsage);
    auto h = auth::hashPassword(pw);
    if (!h) return fail(h.error().message, kExitError);
    hash = *h;
  }

  auto db = openAndMigrate(*cfg);
  if (!db) return kExitError;
  auth::UserStore users(*db);
  if (verb == "add") {
    user.password_hash = hash;
    if (auto st = users.add(user, nowMs()); !st) return fail(st.error().message, kExitError);
    std::printf("已添加用户 %s（%s，范围 %s）\n(added user %s: %s, scope %s)\n", name.c_str(),
                auth::roleName(user.role), auth::scopeText(user.scope).c_str(), name.c_str(),
                auth::roleName(user.role), auth::scopeText(user.scope).c_str());
    return kExitOk;
  }
  if (verb == "passwd") {
    auto r = users.setPassword(name, hash, nowMs());
    if (!r) return fail(r.error().message, kExitError);
    if (!*r) return fail("no user \"" + name + "\"", kExitError);
    std::printf("已修改 %s 的密码 (password changed; the user's sessions end)\n", name.c_str());
    return kExitOk;
  }
  if (verb == "del") {
    auto r = users.remove(name);
    if (!r) return fail(r.error().message, kExitError);
    if (!*r) return fail("no user \"" + name + "\"", kExitError);
    std::printf("已删除用户 %s (user deleted)\n", name.c_str());
    return kExitOk;
  }
  if (verb == "token") {
    const std::string token = auth::randomToken(32);
    auto r = users.setApiTokenDigest(name, auth::tokenDigest(token), nowMs());
    if (!r) return fail(r.error().message, kExitError);
    if (!*r) return fail("no user \"" + name + "\"", kExitError);
    // Only the token on stdout, for scripts: `TOKEN=$(uplinkprobe-collector user token …)`.
    std::printf("%s\n", token.c_str());
    std::fputs(
        "API token for scripts: Authorization: Bearer <token>; it replaces any earlier "
        "token and is shown only now.\n",
        stderr);
    return kExitOk;
  }
  auto list = users.list();
  if (!list) return fail(list.error().message, kExitError);
  std::printf("%-24s %-9s %-30s %s\n", "用户 (user)", "角色", "范围 (scope)", "API token");
  for (const auto& u : *list) {
    std::printf("%-24s %-9s %-30s %s\n", u.name.c_str(), auth::roleName(u.role),
                auth::scopeText(u.scope).c_str(), u.has_api_token ? "yes" : "-");
  }
  return kExitOk;
}

}  // namespace uplinkprobe::collector::cli
