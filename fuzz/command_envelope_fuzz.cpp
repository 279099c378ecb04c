// libFuzzer harness for signed remote commands as the probe receives them (the broker is
// untrusted: docs/control.md). Invariants: no crash/UB; what parses re-serialises to a
// payload that parses to the same envelope (what is verified is what is acted on); its
// canonical bytes are deterministic; no input verifies under a key nobody holds.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "record/command_envelope.h"
#include "record/ed25519.h"

using namespace uplinkprobe::record;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PublicKey stranger = PrivateKey::generate()->publicKey();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto env = parseCommand(input);
  if (!env) return 0;
  if (verifyCommandSignature(*env, stranger)) std::abort();  // forged under an unknown key
  auto canon1 = canonicalBytes(*env);
  auto canon2 = canonicalBytes(*env);
  if (canon1.ok() != canon2.ok() || (canon1.ok() && *canon1 != *canon2)) std::abort();
  auto wire = serializeCommand(*env);
  if (!wire) return 0;
  auto again = parseCommand(*wire);
  if (!again) {  // our own serialisation must be accepted
    std::fprintf(stderr, "re-parse: %s\n%s\n", again.error().message.c_str(), wire->c_str());
    std::abort();
  }
  auto canon3 = canonicalBytes(*again);
  if (canon1.ok() && (!canon3.ok() || *canon3 != *canon1)) std::abort();
  if (again->signature != env->signature) std::abort();
  return 0;
}
