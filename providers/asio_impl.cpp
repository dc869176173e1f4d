// The one translation unit that compiles asio and beast (separate compilation):
// every other file includes their headers without their implementation.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
