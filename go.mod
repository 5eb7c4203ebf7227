module github.com/mdebot/mdebot

go 1.26.0
