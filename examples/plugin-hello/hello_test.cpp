// Unit tests of hello.so on the SDK's test host: no handler, no experiment file, no log to grep.
#include <iter8/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using iter8::sdk::testing::TestHost;
using ::testing::ElementsAre;

TEST(HelloGreet, GreetsAsOftenAsAskedAndRecordsIt) {
  TestHost host;
  host.experiment("metadata: {name: hello-plugin, namespace: default}\nspec: {}");
  host.load(HELLO_PLUGIN);
  auto result = host.run("{task: hello/greet, with: {who: plugin authors, times: 2}}");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(result.messages(ITER8_LOG_INFO),
              ElementsAre("hello, plugin authors", "hello, plugin authors"));
  EXPECT_EQ(result.status, R"({"message":"greeted plugin authors"})");
}

TEST(HelloGreet, TheSchemaRefusesTooManyTimes) {
  TestHost host;
  host.load(HELLO_PLUGIN);
  auto result = host.run("{task: hello/greet, with: {who: you, times: 11}}");
  EXPECT_EQ(result.code, ITER8_ERR_INVALID_INPUT);
  EXPECT_EQ(result.stage, ITER8_TESTING_STAGE_INPUTS);
  EXPECT_EQ(result.error, "input 'with.times' is a number 11; expected a number <= 10");
}

TEST(HelloGreet, TheConstructorRefusesNobody) {
  TestHost host;
  host.load(HELLO_PLUGIN);
  auto result = host.run("{task: hello/greet, with: {who: nobody}}");
  EXPECT_EQ(result.stage, ITER8_TESTING_STAGE_MAKE);
  EXPECT_EQ(result.error, "input 'with.who' must name somebody");
  EXPECT_TRUE(result.patches.empty());
}
