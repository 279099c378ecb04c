#include "agent/cli/qr_code.h"

#include <fmt/format.h>

#include "common/html_escape.h"

#if UPLINKPROBE_HAVE_QRENCODE
#include <qrencode.h>
#endif

namespace uplinkprobe::cli {

bool qrAvailable() { return UPLINKPROBE_HAVE_QRENCODE != 0; }

std::optional<QrMatrix> encodeQr(const std::string& text) {
#if UPLINKPROBE_HAVE_QRENCODE
  // Byte mode over the whole string (8-bit data, case kept); version 0 = the smallest fitting.
  QRcode* code =
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
  if (code == nullptr) return std::nullopt;
  QrMatrix m;
  m.width = code->width;
  m.dark.resize(static_cast<size_t>(code->width) * code->width);
  for (size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
  QRcode_free(code);
  return m;
#else
  (void)text;
  return std::nullopt;
#endif
}

std::string qrSvg(const std::string& text, int px) {
  auto m = encodeQr(text);
  if (!m) return "";
  constexpr int kQuiet = 4;
  const int size = m->width + 2 * kQuiet;
  std::string path;
  // One rectangle per horizontal run of dark modules.
  for (int y = 0; y < m->width; ++y)
    for (int x = 0; x < m->width;) {
      if (!m->at(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < m->width && m->at(x + run, y)) ++run;
      path += fmt::format("M{},{}h{}v1h-{}z", x + kQuiet, y + kQuiet, run, run);
      x += run;
    }
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{0}\" "
      "viewBox=\"0 0 {1} {1}\" shape-rendering=\"crispEdges\" role=\"img\">"
      "<title>{2}</title><rect width=\"{1}\" height=\"{1}\" fill=\"#fff\"/>"
      "<path fill=\"#000\" d=\"{3}\"/></svg>",
      px, size, htmlEscape(text), path);
}

}  // namespace uplinkprobe::cli
