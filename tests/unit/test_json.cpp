#include <cpd/util/json.hpp>

#include <doctest/doctest.h>

TEST_CASE("a JSON document is built in order, with commas only between values")
{
  cpd::Json json;
  json.begin_object()
    .field("member", "ann")
    .field("points", cpd::Points::from_tenths(75))
    .field("date", cpd::Date(2017, 3, 14))
    .field("pending", false)
    .field("note", std::optional<std::string>())
    .key("claims")
    .begin_array()
    .value(std::int64_t{12})
    .value(13)
    .begin_object()
    .end_object()
    .end_array()
    .key("quantity")
    .number("1.5")
    .end_object();
  CHECK(json.str()
        == "{\"member\":\"ann\",\"points\":7.5,\"date\":\"2017-03-14\",\"pending\":false,"
           "\"note\":null,\"claims\":[12,13,{}],\"quantity\":1.5}\n");
}

TEST_CASE("strings are escaped whatever a member wrote")
{
  cpd::Json json;
  json.begin_array().value("a\"b\\c\nd\x01\xff").end_array();
  CHECK(json.str() == "[\"a\\\"b\\\\c\\nd\\u0001\xef\xbf\xbd\"]\n");
}
