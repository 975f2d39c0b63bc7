package calendar_test

import (
	"fmt"
	"strings"
	"time"

	"mezhved/exchange/calendar"
)

func ExampleCalendar_Due() {
	cal, err := calendar.Parse(strings.NewReader(`
zone Europe/Moscow
2026-02-23 holiday Defender of the Fatherland Day
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	moscow := cal.Location()

	// Received on Friday afternoon; two working days: Tuesday and Wednesday,
	// since Monday is a holiday.
	received := time.Date(2026, 2, 20, 15, 0, 0, 0, moscow)
	due := cal.Due(received, 2, 0)
	fmt.Println(due.In(moscow).Format("Mon 2006-01-02 15:04"))

	answered := time.Date(2026, 2, 25, 23, 59, 0, 0, moscow)
	fmt.Println("overdue:", !answered.Before(due))

	// A deadline in hours runs through weekends and holidays.
	fmt.Println(cal.Due(received, 0, 48*time.Hour).Format("Mon 2006-01-02 15:04"))
	// Output:
	// Thu 2026-02-26 00:00
	// overdue: false
	// Sun 2026-02-22 15:00
}

func ExampleParse_error() {
	_, err := calendar.Parse(strings.NewReader("2026-01-01 holiday New Year\n2026-02-30 holiday\n"))
	fmt.Println(err)
	// Output:
	// calendar: bad date: line 2: "2026-02-30": no such date
}

func ExampleCalendar_IsWorkingDay() {
	cal := calendar.Default()
	// 23:30 UTC on Sunday is 02:30 on Monday in Moscow.
	t := time.Date(2026, 2, 15, 23, 30, 0, 0, time.UTC)
	fmt.Println(t.Weekday(), cal.IsWorkingDay(t))
	// Output:
	// Sunday true
}
