module example.com/modprog

go 1.19

require example.com/dep v0.1.0

replace example.com/dep => ./dep
