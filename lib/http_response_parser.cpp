#include "lib/http_response_parser.h"

#include <http_parser.h>

namespace iter8::http {

// http_parser calls back with the parser only; `data` points back at the ResponseParser.
struct ResponseParser::Impl {
  http_parser parser{};
  http_parser_settings settings{};
};

namespace {

ResponseParser* owner(http_parser* parser) {
  return static_cast<ResponseParser*>(parser->data);
}

}  // namespace

// Callbacks need the private fields; they are static members in all but name via this struct.
struct ResponseParserCallbacks {
  static int onHeadersComplete(http_parser* parser) {
    ResponseParser* self = owner(parser);
    unsigned status = parser->status_code;
    self->status_ = static_cast<int>(status);
    if (status < 100 || status >= 200 || status == 101) self->finalHeaders_ = true;
    return 0;
  }
  static int onBody(http_parser* parser, const char* /*at*/, size_t length) {
    owner(parser)->bodyBytes_ += length;
    return 0;
  }
  static int onMessageComplete(http_parser* parser) {
    ResponseParser* self = owner(parser);
    unsigned status = parser->status_code;
    if (status >= 100 && status < 200 && status != 101) {
      self->bodyBytes_ = 0;  // an interim response (100 Continue, 103 Early Hints): read on
      return 0;
    }
    self->state_ = ResponseParser::State::kComplete;
    self->keepAlive_ = status != 101 && http_should_keep_alive(parser) != 0;
    http_parser_pause(parser, 1);  // whatever follows is not this response
    return 0;
  }
};

ResponseParser::ResponseParser() : impl_(std::make_unique<Impl>()) {
  http_parser_settings_init(&impl_->settings);
  impl_->settings.on_headers_complete = ResponseParserCallbacks::onHeadersComplete;
  impl_->settings.on_body = ResponseParserCallbacks::onBody;
  impl_->settings.on_message_complete = ResponseParserCallbacks::onMessageComplete;
  reset();
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::reset() {
  http_parser_init(&impl_->parser, HTTP_RESPONSE);
  impl_->parser.data = this;
  state_ = State::kIncomplete;
  started_ = false;
  keepAlive_ = false;
  status_ = 0;
  bodyBytes_ = 0;
  headerBytes_ = 0;
  headersTooLarge_ = false;
  finalHeaders_ = false;
}

ResponseParser::State ResponseParser::feed(const char* data, size_t size) {
  if (size == 0) return state_;
  if (state_ != State::kIncomplete) {
    keepAlive_ = false;  // bytes after the response: the connection is out of step
    return state_;
  }
  started_ = true;
  size_t parsed = http_parser_execute(&impl_->parser, &impl_->settings, data, size);
  // Until the final response's headers are in, every byte is a status line or a header (of it
  // or of an interim response): their total is capped as libcurl caps it.
  if (!finalHeaders_) {
    headerBytes_ += parsed;
    if (headerBytes_ > kMaxHeaderBytes) {
      headersTooLarge_ = true;
      state_ = State::kError;
      return state_;
    }
  }
  if (state_ == State::kComplete) {
    if (parsed < size) keepAlive_ = false;
    return state_;
  }
  if (HTTP_PARSER_ERRNO(&impl_->parser) != HPE_OK) state_ = State::kError;
  return state_;
}

ResponseParser::State ResponseParser::finish() {
  if (state_ != State::kIncomplete) return state_;
  // A zero-length execute tells http_parser the stream ended: it completes a body that runs
  // until the close and flags any other unfinished state.
  http_parser_execute(&impl_->parser, &impl_->settings, nullptr, 0);
  if (state_ != State::kComplete) state_ = State::kError;
  keepAlive_ = false;
  return state_;
}

}  // namespace iter8::http
