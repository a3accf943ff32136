module github.com/racoon2go/iked

go 1.26
