module mezhved

go 1.26.2

require (
	github.com/beevik/etree v1.8.1
	golang.org/x/text v0.43.0
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/jacoelho/xsd v0.3.0 // indirect
	github.com/jonboulle/clockwork v0.5.0 // indirect
	github.com/russellhaering/goxmldsig v1.6.1 // indirect
)
