module mezhved

go 1.26.2

require (
	github.com/beevik/etree v1.8.1
	github.com/google/uuid v1.6.0
	github.com/jacoelho/xsd v0.3.0
	golang.org/x/text v0.43.0
)

require (
	go.cypherpunks.ru/gogost/v5 v5.13.0
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
)

replace go.cypherpunks.ru/gogost/v5 => github.com/flant/gogost/v5 v5.13.0
