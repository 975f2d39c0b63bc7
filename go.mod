module mezhved

go 1.26.2

require (
	github.com/beevik/etree v1.8.1
	github.com/google/uuid v1.6.0
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/jacoelho/xsd v0.3.0
	golang.org/x/text v0.43.0
	golang.org/x/time v0.16.0
)

require github.com/hashicorp/go-cleanhttp v0.5.2 // indirect

require (
	go.cypherpunks.ru/gogost/v5 v5.13.0
	go.etcd.io/bbolt v1.5.0
	golang.org/x/sys v0.45.0 // indirect
)

replace go.cypherpunks.ru/gogost/v5 => github.com/flant/gogost/v5 v5.13.0
