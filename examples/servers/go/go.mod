module sse-kit-go-example

go 1.19
