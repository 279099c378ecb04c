// A throwaway PKI for TLS tests, made with the openssl CLI in `dir` (EC P-256, 2 days):
//   ca.crt / ca.key            the test CA
//   other-ca.crt               an unrelated CA (a client trusting it must refuse the server)
//   server.crt / server.key    CN localhost, SAN IP:127.0.0.1 + DNS:localhost, signed by ca
//   client.crt / client.key    CN `client_cn`, signed by ca
//   wrong.crt / wrong.key      CN and SAN broker.elsewhere.example, signed by ca (a valid
//                              certificate for another name)
// Every file is made world-readable: mosquitto drops to its own user before reading them.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace uplinkprobe::testing {

inline ::testing::AssertionResult makeTestPki(const std::string& dir,
                                              const std::string& client_cn) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  // SAN files are written here, not by a shell redirect (stdout goes to /dev/null below).
  std::ofstream(dir + "/san.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  std::ofstream(dir + "/o.ext") << "subjectAltName=DNS:broker.elsewhere.example\n";
  const std::string steps[] = {
      "openssl req -x509 " + ec +
          " -keyout ca.key -out ca.crt -days 2 -subj '/CN=uplinkprobe test CA'",
      "openssl req -x509 " + ec +
          " -keyout other.key -out other-ca.crt -days 2 -subj '/CN=some other CA'",
      "openssl req " + ec +
          " -keyout server.key -out server.csr -subj '/CN=localhost' && openssl x509 -req -in "
          "server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile "
          "san.ext",
      "openssl req " + ec +
          " -keyout wrong.key -out wrong.csr -subj '/CN=broker.elsewhere.example' && openssl "
          "x509 -req -in wrong.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out wrong.crt "
          "-days 2 -extfile o.ext",
      "openssl req " + ec + " -keyout client.key -out client.csr -subj '/CN=" + client_cn +
          "' && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out "
          "client.crt -days 2",
      "chmod 0644 *",
  };
  for (const auto& step : steps) {
    const std::string cmd = "cd '" + dir + "' && " + step + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return ::testing::AssertionFailure() << "failed: " << step;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace uplinkprobe::testing
