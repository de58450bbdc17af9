// plugins/metrics/http_target: what the fast engine connects to, whether it may (proxies), and
// the bytes of its request.
#include "plugins/metrics/loadgen/http_target.h"

#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "plugins/metrics/loadgen/load_generator.h"

namespace iter8::metrics {
namespace {

const char* const kProxyVariables[] = {"http_proxy", "HTTP_PROXY", "all_proxy",
                                       "ALL_PROXY",  "no_proxy",   "NO_PROXY"};

// Clears the proxy variables for the test and puts back what was there.
class ProxyEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kProxyVariables) {
      if (const char* value = std::getenv(name)) saved_[name] = value;
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kProxyVariables) unsetenv(name);
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }
  std::map<std::string, std::string> saved_;
};

TEST(HttpTarget, TakesThePartsOfTheUrlAsLibcurlDoes) {
  HttpTarget target = parseHttpTarget("http://127.0.0.1:8080/a/b?x=1&y=2#fragment");
  EXPECT_EQ(target.host, "127.0.0.1");
  EXPECT_EQ(target.port, "8080");
  EXPECT_EQ(target.hostHeader, "127.0.0.1:8080");
  EXPECT_EQ(target.target, "/a/b?x=1&y=2");  // the fragment is never sent

  HttpTarget bare = parseHttpTarget("http://Example.com");
  EXPECT_EQ(bare.port, "80");
  EXPECT_EQ(bare.hostHeader, "Example.com");
  EXPECT_EQ(bare.target, "/");

  EXPECT_EQ(parseHttpTarget("http://example.com:80/x").hostHeader, "example.com");

  HttpTarget v6 = parseHttpTarget("http://[::1]:9000/x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.hostHeader, "[::1]:9000");
}

TEST_F(ProxyEnvironment, RefusesWhatOnlyLibcurlCanSend) {
  EXPECT_EQ(fastEngineRefusal("http://127.0.0.1/"), "");
  EXPECT_EQ(fastEngineRefusal("https://127.0.0.1/"), "the URL is https://, not plain http://");
  EXPECT_EQ(fastEngineRefusal("http://user:secret@127.0.0.1/"),
            "the URL carries a user name or password");
  EXPECT_EQ(fastEngineRefusal("http://[fe80::1%25eth0]:8080/"), "the URL names an IPv6 zone");
  EXPECT_EQ(fastEngineRefusal("http://b\xc3\xbc"
                              "cher.example/"),
            "the host name is not ASCII (libcurl converts international names)");
  EXPECT_THROW(parseHttpTarget("https://127.0.0.1/"), std::invalid_argument);
  EXPECT_THROW(fastEngineRefusal("http://[::1/x"), std::invalid_argument);
}

TEST_F(ProxyEnvironment, ReadsTheProxyVariablesAsLibcurlDoes) {
  EXPECT_FALSE(proxyApplies("app.example.com"));
  setenv("HTTP_PROXY", "http://proxy:3128", 1);  // ignored for http:// by libcurl
  EXPECT_FALSE(proxyApplies("app.example.com"));
  setenv("http_proxy", "http://proxy:3128", 1);
  EXPECT_TRUE(proxyApplies("app.example.com"));
  EXPECT_NE(fastEngineRefusal("http://app.example.com/"), "");
  setenv("no_proxy", "localhost, .example.com", 1);
  EXPECT_FALSE(proxyApplies("app.example.com"));
  EXPECT_FALSE(proxyApplies("example.com"));
  EXPECT_FALSE(proxyApplies("LOCALHOST"));
  EXPECT_TRUE(proxyApplies("example.org"));
  EXPECT_TRUE(proxyApplies("notexample.com"));
  setenv("no_proxy", "127.0.0.0/8", 1);  // a range: left to libcurl
  EXPECT_TRUE(proxyApplies("127.0.0.1"));
  setenv("no_proxy", "*", 1);
  EXPECT_FALSE(proxyApplies("anything"));
  unsetenv("no_proxy");
  unsetenv("http_proxy");
  setenv("ALL_PROXY", "socks5://proxy:1080", 1);
  EXPECT_TRUE(proxyApplies("127.0.0.1"));
  setenv("NO_PROXY", "127.0.0.1", 1);
  EXPECT_FALSE(proxyApplies("127.0.0.1"));
}

TEST(HttpRequest, IsAGetWithHostAndAcceptByDefault) {
  LoadSpec spec;
  spec.url = "http://127.0.0.1:8080/p?q=1";
  EXPECT_EQ(buildHttpRequest(spec, parseHttpTarget(spec.url)),
            "GET /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n");
}

TEST(HttpRequest, PostsTheBodyWithItsTypeAndLength) {
  LoadSpec spec;
  spec.url = "http://h/";
  spec.headers = {"X-Trace: a  b", "Accept: text/plain"};
  spec.body = std::string("a\0b", 3);
  spec.contentType = "application/json";
  EXPECT_EQ(buildHttpRequest(spec, parseHttpTarget(spec.url)),
            "POST / HTTP/1.1\r\nHost: h\r\nX-Trace: a  b\r\nAccept: text/plain\r\n"
            "Content-Type: application/json\r\nContent-Length: 3\r\n\r\n" +
                spec.body);
}

TEST(HttpRequest, AHeaderWithAnEmptyValueRemovesIt) {
  LoadSpec spec;
  spec.url = "http://h:81/";
  spec.headers = {"Accept:", "Host: other.example", "X-Empty:   "};
  EXPECT_EQ(buildHttpRequest(spec, parseHttpTarget(spec.url)),
            "GET / HTTP/1.1\r\nHost: other.example\r\n\r\n");
}

}  // namespace
}  // namespace iter8::metrics
