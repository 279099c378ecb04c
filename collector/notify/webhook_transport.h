// WebhookTransport: one HTTP POST of a JSON body. The only place notify touches the network;
// CurlWebhookTransport is the libcurl adapter (CURL* never leaves webhook_transport.cpp).
//
// Contract: post() blocks up to the timeout and returns the status and the first 64 KiB of
// the answer, or Error{kind "http"|"tls"|"timeout"|"connect"} when no HTTP answer came. TLS is
// always verified (system CAs, plus ca_file when given); redirects are not followed; only
// http and https are spoken. One transport is used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"

namespace uplinkprobe::collector::notify {

struct WebhookReply {
  long status = 0;
  std::string body;
};

class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  virtual Result<WebhookReply> post(const std::string& url, const std::string& json_body,
                                    const std::string& ca_file, std::chrono::seconds timeout) = 0;
};

class CurlWebhookTransport final : public WebhookTransport {
 public:
  CurlWebhookTransport();
  ~CurlWebhookTransport() override;
  Result<WebhookReply> post(const std::string& url, const std::string& json_body,
                            const std::string& ca_file, std::chrono::seconds timeout) override;

 private:
  void* curl_;  // CURL*, reused so that connections to the same robot are kept alive
};

}  // namespace uplinkprobe::collector::notify
