"""Write the sample manual that the evaluation questions are asked about.

The product is invented, so a model cannot answer from memory: every right answer has to come
from retrieval. Each fact is stated on one page, or on the few pages a question lists as gold, and
the page texts stay importable as ``PAGES`` for tests that check those facts.
"""

from datetime import UTC, datetime
from pathlib import Path

MANUAL_NAME = "nordlys-h7-manual.pdf"

_HEADER = "Nordlys H7 Heat-Pump Controller - User and Installation Manual"
_FOOTER = "NL-H7-UM-EN Rev. C    Page {page} of {total}"
# A fixed date keeps the bytes identical from run to run.
_CREATED = datetime(2024, 3, 1, tzinfo=UTC)
_BODY_SIZE = 11
_LINE_HEIGHT = 5.5
_PARAGRAPH_GAP = 3
# Body text must end this far above the bottom edge, leaving room for the footer.
_FOOTER_SPACE = 20
# The footer line starts this far above the bottom edge.
_FOOTER_TOP = 15


def _page(heading: str, *paragraphs: str) -> str:
    """Join a page's heading and paragraphs; a tab in a line splits it into label and value."""
    return "\n\n".join((heading, *paragraphs))


_COVER = _page(
    "Nordlys H7 Heat-Pump Controller",
    "User and Installation Manual\nFor firmware version 3.2 and later\nDocument NL-H7-UM-EN, revision C, March 2024",
    "This manual is written for two readers: the installer who mounts, wires and commissions the "
    "controller, and the owner who lives with it every day. Chapters 1 to 4 and the parameter reference "
    "in chapter 6 are meant for qualified installers. Chapters 5, 9 and 10 are written for owners and for "
    "the support staff who help them.",
    "Keep this manual near the controller for the life of the installation. If the building is sold or "
    "the controller is moved to another heat pump, hand the manual over together with the commissioning "
    "notes.",
    "Nordlys Climate AS\nSluppenvegen 14, 7037 Trondheim, Norway\n"
    "Technical support: support@nordlys-climate.example\n"
    "Support telephone: +47 73 80 40 00, open weekdays from 08:00 to 16:00 CET",
)

_BODY = (
    _page(
        "1 Safety instructions",
        "Read this chapter before you install, wire or service the controller. The warnings below protect "
        "people and property; ignoring them also voids the warranty described in chapter 12.",
        "DANGER marks a hazard that will cause death or serious injury. WARNING marks a hazard that could "
        "cause death or serious injury. CAUTION marks a hazard that could cause minor injury or damage to "
        "the equipment. NOTE marks useful information that carries no risk.",
        "DANGER: Only a qualified electrician may open the terminal cover. Before opening it, switch off "
        "the mains supply at the all-pole isolator and switch off the supply to the heat pump as well, "
        "because relay outputs can carry a voltage fed back from the heat pump.",
        "DANGER: After switching off, wait at least 5 minutes before removing the terminal cover. The "
        "capacitors of the internal power supply can hold a dangerous charge for several minutes.",
        "WARNING: Do not operate the controller with a cracked housing, a damaged display or a missing "
        "terminal cover. Replace damaged parts first.",
        "CAUTION: Never use a high-pressure washer or spray cleaner near the controller. The housing is not "
        "protected against jets of water.",
    ),
    _page(
        "1.1 Intended use and disposal",
        "The H7 controls one air-to-water or ground-source heat pump with one heating circuit and an "
        "optional domestic hot water tank in residential buildings. Any other use, such as controlling "
        "commercial refrigeration or process heating, is improper and is not covered by the warranty.",
        "This appliance can be used by children aged from 8 years and above and by persons with reduced "
        "physical, sensory or mental capabilities if they have been given supervision or instruction "
        "concerning its use in a safe way. Children shall not play with the appliance. Cleaning and user "
        "maintenance shall not be made by children without supervision.",
        "The controller never opens the refrigerant circuit. Any work on the refrigerant circuit of the "
        "heat pump must be carried out by a certified refrigeration technician.",
        "At the end of its life the controller must not be thrown away with household waste. Take it to a "
        "collection point for electrical and electronic equipment. Remove the clock battery (CR2032) first "
        "and dispose of it separately at a battery collection point.",
    ),
    _page(
        "2 Product overview",
        "The Nordlys H7 is a wall-mounted controller for heat pumps from 4 to 16 kW. It switches the "
        "compressor, the circulation pump, the three-way valve for hot water and an electric backup heater, "
        "and it calculates the flow temperature from the outdoor temperature (weather compensation).",
        "The H7 works with any heat pump that has a volt-free enable input. Inverter heat pumps can also "
        "receive a speed demand from the 0-10 V output AO1, so the compressor runs slower and longer "
        "instead of starting and stopping.",
        "Contents of the box (product number NL-H7-230):\n"
        "- H7 controller with terminal cover\n"
        "- Wall bracket with locking screw\n"
        "- Two pipe sensors NTC 10 kOhm with 2.5 m cable, for flow (T1) and return (T2)\n"
        "- One immersion sensor NTC 10 kOhm with 4 m cable, for the hot water tank (T3)\n"
        "- Outdoor sensor OS-2 (T4)\n"
        "- Four screws with wall plugs\n"
        "- Quick start guide and this manual",
        "Check the contents against this list before you start. Report missing or damaged parts to the "
        "dealer within 14 days of delivery.",
    ),
    _page(
        "2.1 Display and buttons",
        "The H7 has a 3.5 inch colour display and five buttons below it: MENU, BACK, UP, DOWN and OK. The "
        "display switches off after 5 minutes without a button press; press any button to wake it.",
        "Status icons in the top bar show what the controller is doing. A flame means heating is running. "
        "A tap means hot water is being heated. A snowflake means the heat pump is defrosting its outdoor "
        "coil. A spanner means a service is due. A red triangle means an error is active; the error code "
        "is shown next to it.",
        "There are two access levels. The user level needs no code and shows the operating mode, "
        "temperatures and the most common settings. The installer level shows every parameter; enter the "
        "installer code 4071 under Menu > Settings > Access level. The controller returns to the user level "
        "by itself 30 minutes after the last button press.",
        "Child lock: hold BACK and OK together for 3 seconds to lock the buttons. A padlock icon appears. "
        "Hold the same two buttons again for 3 seconds to unlock them.",
    ),
    _page(
        "3 Installation",
        "Install the controller indoors, in a dry room where the ambient temperature stays between 0 and "
        "45 °C and the relative humidity stays below 85 % without condensation. A plant room, hallway or "
        "utility cupboard next to the heat pump's indoor unit is usually the best place.",
        "Mount the controller at eye level, with the display between 1.4 and 1.7 m above the floor, so the "
        "owner can read it without bending. Do not mount it in direct sunlight, above a radiator or next to "
        "a door to the outside: heat and draughts make the display hard to read and age the electronics.",
        "Leave at least 100 mm free to the left and right of the housing and 50 mm above and below it. The "
        "controller is cooled by air flowing through the slots in the housing.",
        "The housing is rated IP20. Do not install the controller in bathrooms, laundry rooms or other "
        "places where it can get wet.",
        "The enable and relay cables between the controller and the heat pump may be up to 50 m long. Plan "
        "the cable routes before you mount the bracket.",
    ),
    _page(
        "3.1 Mounting the controller and outdoor sensor",
        "Hold the wall bracket level against the wall and mark its four holes. Drill the holes with a 6 mm "
        "bit, insert the wall plugs and screw the bracket on. Hook the top edge of the controller onto the "
        "bracket and press the bottom edge against the wall until it clicks. Secure it with the M3 locking "
        "screw on the underside.",
        "Mount the outdoor sensor OS-2 on the north or north-west wall of the building, at least 2 m above "
        "the ground, where snow cannot bury it. Keep it away from windows, doors, vents and extractor fan "
        "outlets, and do not mount it under a balcony or deep eaves.",
        "The outdoor sensor must never get direct sunlight. Sun on the sensor makes the controller believe "
        "it is warmer outside than it is, and the rooms then get too little heat on sunny winter days.",
        "Route the outdoor sensor cable into the building through a sleeve that slopes down towards the "
        "outside, so rain water cannot run along the cable into the wall.",
    ),
    _page(
        "3.2 Commissioning wizard",
        "When the controller is switched on for the first time it starts the commissioning wizard. The "
        "wizard asks for the language, the date and time, the type of heat pump (air-to-water or "
        "ground-source) and the hydraulic layout (with or without a hot water tank). It then checks that "
        "every sensor gives a plausible reading and runs a relay test. The wizard takes about 10 minutes.",
        "During the relay test each output is switched on for 10 seconds, one after the other. Listen for "
        "the compressor contactor, watch the circulation pump start and check that the three-way valve "
        "moves. Confirm each output with OK, or press BACK to mark it as failed and check its wiring.",
        "To run the wizard again later, choose Menu > Service > Commissioning wizard at installer level. "
        "Settings made in the wizard are kept unless you change them.",
        "Write the serial number into the commissioning notes. It is printed on the label on the right "
        "side of the housing and is also shown under Menu > Info.",
    ),
    _page(
        "4 Electrical connections: power supply",
        "The controller needs 230 V AC ±10 %, 50 or 60 Hz. Supply it from its own circuit, protected by a "
        "10 A type C circuit breaker, through an all-pole isolator with a contact gap of at least 3 mm.",
        "Use a cable of 3 x 1.5 mm² and connect it to terminal block X1: phase to L, neutral to N and the "
        "protective earth to the PE terminal. Tighten the terminal screws to 0.5 Nm.",
        "The electronics are protected by the fuse F1 (T 3.15 A, 5 x 20 mm) on the main board, under the "
        "terminal cover. Replace it only with a fuse of the same rating. A fuse that blows again at once "
        "points to a short circuit in the relay wiring.",
        "Keep mains cables and sensor or bus cables apart inside the housing. Use the left cable entries for "
        "mains voltage and the right cable entries for low-voltage cables.",
    ),
    _page(
        "4.1 Sensor connections",
        "All sensors connect to terminal block X4: T1 is the flow temperature, T2 the return temperature, "
        "T3 the hot water tank and T4 the outdoor sensor. All four are NTC 10 kOhm sensors (at 25 °C, beta "
        "3435). The sensors have no polarity: either wire may go to either terminal of its input.",
        "Sensor cables may be up to 30 m long with 2 x 0.5 mm² cable. For runs of up to 50 m use 2 x 0.75 "
        "mm² cable. Keep sensor cables at least 100 mm away from mains cables and never run them in the "
        "same conduit, because mains cables induce noise that shows up as jumping temperature readings.",
        "To check a sensor, disconnect it and measure its resistance with a multimeter:\n"
        "Sensor at 0 °C\t27.3 kOhm\n"
        "Sensor at 25 °C\t10.0 kOhm\n"
        "Sensor at 50 °C\t4.2 kOhm",
        "A reading of several megaohms means the sensor or its cable is broken; a reading near zero means a "
        "short circuit.",
    ),
    _page(
        "4.2 Outputs and inputs",
        "Terminal block X2 holds four relay outputs: R1 enables the compressor, R2 runs the circulation pump "
        "of the heating circuit, R3 switches the three-way valve to the hot water tank and R4 controls the "
        "backup heater. Each relay switches up to 250 V AC, 3 A resistive or 1 A inductive.",
        "WARNING: Never connect an electric backup heater directly to R4. Always use an external contactor "
        "sized for the heater; R4 only switches the contactor coil.",
        "The analogue output AO1 gives a 0-10 V speed demand to inverter heat pumps, with a maximum load of 10 mA.",
        "The digital input DI1 is for a utility block signal from the grid operator (also the first SG "
        "Ready signal). While the contact is closed, the compressor is blocked; hot water and frost "
        "protection continue with the backup heater if P-20 allows it. The digital input DI2 is the second "
        "SG Ready signal: while it is closed, the heating and hot water setpoints are raised by 5 K to use "
        "cheap or self-produced electricity.",
        "Both digital inputs accept volt-free contacts only. Never apply a voltage to DI1 or DI2.",
    ),
    _page(
        "5 Operating modes",
        "Choose the operating mode under Menu > Mode. The mode can also be changed from the web interface, "
        "over Modbus (register 40001) or over MQTT.",
        "Auto: heating and hot water follow the weekly schedule. The factory schedule gives comfort "
        "temperatures from 06:00 to 22:00 every day and applies the night setback (P-08) outside that time.",
        "Heating and hot water: comfort temperatures around the clock, without the schedule.",
        "Hot water only: the heating circuit stays off and only the tank is heated. Use this mode in summer.",
        "Holiday: enter the date of return. Until then the heating works to a room equivalent of 15 °C, "
        "which keeps the building dry and safe from frost, and hot water production is off. On the evening "
        "before the return date the controller runs the legionella cycle, so the tank is hot and safe when "
        "the owner comes home.",
        "Standby: everything is off except frost protection (P-26). The circulation pump still starts when "
        "the flow temperature falls below the frost protection limit.",
    ),
    _page(
        "5.1 Heating curve",
        "The heating curve sets the flow temperature from the outdoor temperature: the colder it is outside, "
        "the warmer the water sent to the radiators or the floor. Two parameters shape it: the slope (P-03) "
        "and the parallel shift (P-04).",
        "With the factory slope of 1.2 and no shift, the controller asks for a flow temperature of about "
        "48 °C at -10 °C outside and about 38 °C at 0 °C outside. Underfloor heating usually needs a slope "
        "between 0.3 and 0.8; radiators usually need a slope between 1.0 and 1.6.",
        "If the rooms are too cold only in cold weather, increase the slope. If the rooms are too cold in "
        "mild weather as well, increase the parallel shift instead. If the rooms are too warm, lower the "
        "same value the other way.",
        "Adjust in small steps: change the slope by 0.1 or the shift by 1 K at a time, and wait at least 24 "
        "hours before the next change. A building takes a day or more to settle, and changing the curve "
        "every few hours only makes it swing.",
    ),
    _page(
        "6 Parameter reference: general",
        "This chapter lists every parameter with its number, its name as shown in the web interface and "
        "over MQTT, its range, its factory default and the access level needed to change it (U = user, "
        "I = installer). Parameters are found under Menu > Settings > Parameters.",
        "P-01 language (display language). Values: English, Norsk, Svenska, Deutsch, Nederlands. Default: "
        "English. Level U.",
        "P-02 max_flow_temp (maximum flow temperature). Range 25 to 65 °C, default 55 °C. Level I. The "
        "upper limit for the flow temperature the heating curve may ask for. Set it to 45 °C or lower for "
        "underfloor heating, to protect the screed.",
        "P-03 curve_slope (heating curve slope). Range 0.2 to 3.0, default 1.2. Level U. How much the flow "
        "temperature rises for each degree the outdoor temperature falls. See section 5.1.",
        "P-04 curve_shift (heating curve parallel shift). Range -10 to +10 K, default 0 K. Level U. Moves "
        "the whole curve up or down by the same amount.",
    ),
    _page(
        "6.1 Parameters: heating circuit",
        "P-05 room_influence (room temperature influence). Range 0 to 10, default 3. Level I. Only used when "
        "the optional room unit RU-1 is connected. A higher value corrects the flow temperature more "
        "strongly when the room is warmer or colder than its setpoint.",
        "P-06 summer_cutoff (summer cut-off). Range 10 to 25 °C, default 18 °C. Level U. Heating stops when "
        "the average outdoor temperature over the last 24 hours is above this value, and starts again when "
        "the average falls 1 K below it. Hot water is not affected.",
        "P-07 min_flow_temp (minimum flow temperature). Range 15 to 40 °C, default 20 °C. Level I. The "
        "lowest flow temperature the controller asks for while heating is on.",
        "P-08 night_setback (night setback). Range 0 to 10 K, default 3 K. Level U. How far the flow "
        "temperature is lowered outside the comfort times of the schedule. Set it to 0 K for underfloor "
        "heating, which reacts too slowly to gain from a setback.",
    ),
    _page(
        "6.2 Parameters: domestic hot water",
        "P-10 dhw_setpoint (hot water setpoint). Range 40 to 60 °C, default 50 °C. Level U. The tank "
        "temperature the heat pump heats to. Setpoints above 55 °C lower the efficiency of most heat pumps "
        "and may need the backup heater.",
        "P-11 dhw_hysteresis (hot water restart difference). Range 2 to 15 K, default 5 K. Level I. Heating "
        "of the tank starts again when its temperature has fallen this far below the setpoint.",
        "P-12 legionella_day (legionella cycle day). Values: off, Monday to Sunday, daily. Default: Monday. "
        "Level I. The legionella cycle starts at 02:00 on this day.",
        "P-13 legionella_temp (legionella cycle temperature). Range 60 to 70 °C, default 65 °C. Level I. "
        "The tank is heated to this temperature and held there for 30 minutes. The backup heater helps when "
        "the heat pump cannot reach the temperature on its own.",
        "P-14 dhw_max_time (maximum hot water time). Range 30 to 180 minutes, default 60 minutes. Level I. "
        "When the heating also needs heat, the controller switches back to heating after this time even if "
        "the tank has not reached its setpoint.",
    ),
    _page(
        "6.3 Parameters: compressor, boost and backup heater",
        "P-15 comp_min_off (minimum compressor off time). Range 5 to 30 minutes, default 10 minutes. Level "
        "I. Protects the compressor against short cycling: after it stops, it may not start again before "
        "this time has passed.",
        "P-16 comp_min_on (minimum compressor run time). Range 3 to 20 minutes, default 6 minutes. Level I.",
        "P-17 boost_mode (boost mode). Values: off, on, scheduled. Default: off. Level U. Boost raises the "
        "flow temperature for a while, for example to warm a house up quickly after a cold night. When set "
        "to on, boost runs once for the time in P-19 and then returns to off by itself. When set to "
        "scheduled, boost runs at the start of every comfort period of the schedule.",
        "P-18 boost_offset (boost offset). Range 1 to 10 K, default 5 K. Level U. How far boost raises the "
        "flow temperature, never above P-02.",
        "P-19 boost_duration (boost duration). Range 15 to 240 minutes, default 60 minutes. Level U.",
        "P-20 backup_delay (backup heater delay). Range 0 to 120 minutes, default 45 minutes. Level I. The "
        "backup heater may join in only after the heat pump alone has failed to reach the flow temperature "
        "for this long.",
        "P-21 bivalence_point (bivalence point). Range -20 to +5 °C, default -7 °C. Level I. Below this "
        "outdoor temperature the backup heater may run together with the compressor.",
    ),
    _page(
        "6.4 Parameters: defrost, pumps and quiet mode",
        "P-22 defrost_interval (minimum time between defrosts). Range 30 to 90 minutes, default 45 minutes. "
        "Level I. Applies to air-to-water heat pumps only.",
        "P-23 defrost_max_time (maximum defrost time). Range 5 to 15 minutes, default 10 minutes. Level I. "
        "A defrost that takes longer is stopped and counted as failed.",
        "P-24 pump_overrun (pump overrun). Range 0 to 10 minutes, default 3 minutes. Level I. The "
        "circulation pump keeps running this long after the compressor stops, to carry away the remaining "
        "heat.",
        "P-25 pump_exercise (pump exercise). Values: off, on. Default: on. Level I. If the circulation pump "
        "has not run for 24 hours, the controller runs it for 30 seconds so it does not seize.",
        "P-26 frost_protection (frost protection limit). Range 3 to 10 °C, default 5 °C. Level I. Below this "
        "flow temperature the circulation pump starts, in every operating mode.",
        "P-27 quiet_mode (quiet mode). Values: off, on, scheduled. Default: off. Level U. Limits the "
        "compressor speed to 70 % to reduce the noise of the outdoor unit. When scheduled, quiet mode is "
        "active during the hours set in P-28.",
        "P-28 quiet_hours (quiet mode hours). Default: 22:00 to 06:00. Level U.",
    ),
    _page(
        "6.5 Parameters: communication and service",
        "P-30 modbus_address (Modbus address). Range 1 to 247, default 1. Level I.",
        "P-31 modbus_baud (Modbus baud rate). Values: 9600, 19200, 38400. Default: 9600. Level I.",
        "P-32 modbus_parity (Modbus parity). Values: none, even, odd. Default: even. Level I. One stop bit "
        "is always used.",
        "P-33 modbus_watchdog (Modbus watchdog). Values: off, or 30 to 600 seconds. Default: off. Level I. "
        "When set, the controller raises E-063 if no valid request arrives from the Modbus master within "
        "this time.",
        "P-34 mqtt_enabled (MQTT on or off). Values: off, on. Default: off. Level I.",
        "P-35 mqtt_interval (MQTT publish interval). Range 10 to 300 seconds, default 30 seconds. Level I.",
        "P-36 ha_discovery (Home Assistant discovery). Values: off, on. Default: off. Level I. When on, the "
        "controller announces its sensors and controls to Home Assistant over MQTT.",
        "P-37 network_mode (IP address mode). Values: dhcp, static. Default: dhcp. Level I. Static "
        "addresses are entered in the web interface or under Menu > Network > Address.",
        "P-99 factory_reset (factory reset). Set to 1 and confirm with OK to restore every parameter to its "
        "default. Level I.",
    ),
    _page(
        "7 Network: Ethernet and Wi-Fi",
        "The controller has an RJ45 Ethernet socket (10/100 Mbit/s) on its underside and built-in Wi-Fi. "
        "The Wi-Fi works in the 2.4 GHz band only (802.11 b/g/n); networks that use only the 5 GHz band "
        "cannot be joined.",
        "To join a Wi-Fi network, choose Menu > Network > Wi-Fi > Scan, select the network and enter its "
        "password with the arrow buttons.",
        "As long as no network is set up, the controller opens its own Wi-Fi access point for 30 minutes "
        "after power-up. Its name is Nordlys-H7- followed by the last four digits of the serial number. "
        "Connect a phone or laptop to it and open http://192.168.4.1 to finish the setup in a browser.",
        "On the local network the web interface is at http://nordlys-h7.local, or at the IP address shown "
        "under Menu > Network > Status. Log in as admin with the password printed on the label on the right "
        "side of the housing. You must choose a new password of at least 10 characters at the first login.",
        "The controller takes its IP address from DHCP. Set P-37 to static to give it a fixed address.",
    ),
    _page(
        "7.1 Modbus RTU",
        "The controller is a Modbus RTU slave on an RS-485 bus. Connect the bus to terminal block X7: A, B "
        "and GND. Use shielded twisted-pair cable; the bus may be up to 1000 m long and carry up to 32 "
        "devices in a daisy chain.",
        "The 120 Ohm termination resistor is switched on with DIP switch S2 on the main board. Switch it on "
        "only in the devices at the two ends of the bus, and off in every device in between.",
        "Factory settings: 9600 baud, 8 data bits, even parity, 1 stop bit, address 1 (see P-30 to P-32).",
        "Input registers (read with function 04):\n"
        "30001\tFlow temperature, 0.1 °C\n"
        "30002\tReturn temperature, 0.1 °C\n"
        "30003\tOutdoor temperature, 0.1 °C\n"
        "30004\tHot water tank temperature, 0.1 °C\n"
        "30010\tActive error code (0 = no error, 41 = E-041)",
        "Holding registers (read with function 03, write with function 06):\n"
        "40001\tOperating mode: 0 standby, 1 auto, 2 heating and hot water, 3 hot water only, 4 holiday\n"
        "40002\tHeating curve parallel shift, 0.1 K\n"
        "40005\tHot water setpoint, °C",
        "Writes to holding registers are saved in permanent memory. Do not write the same register more "
        "often than once every 10 minutes, or the memory will wear out early.",
    ),
    _page(
        "7.2 MQTT",
        "Switch MQTT on with P-34, then enter the broker under Settings > MQTT in the web interface: host "
        "name, port, user name and password. The default port is 1883; use port 8883 when TLS is switched "
        "on. The client id defaults to h7- followed by the serial number.",
        "All topics start with nordlys/h7/<serial>/. The controller publishes these state topics:\n"
        "state/flow_temp\tflow temperature in °C\n"
        "state/dhw_temp\thot water tank temperature in °C\n"
        "state/mode\toperating mode\n"
        "state/error\tactive error code, for example E-041, or none",
        "The state topics are published every 30 seconds by default (P-35). A new error is published at "
        "once, with the retain flag set, so a client that connects later still sees it.",
        "To change the mode, publish auto, heating, dhw_only, holiday or standby to cmd/mode. To change the "
        "hot water setpoint, publish a whole number of degrees to cmd/dhw_setpoint. Messages use QoS 1.",
        "With P-36 on, the controller also publishes discovery messages under homeassistant/, and Home "
        "Assistant adds the controller's sensors and controls without manual configuration.",
    ),
    _page(
        "8 Error codes: sensors and water pressure",
        "When an error occurs, a red triangle and the error code appear in the top bar and a short "
        "description is shown on the home screen. Every error, including errors that cleared themselves, "
        "is kept in Menu > Service > Error log, which holds the last 50 entries.",
        "E-003 Flow sensor T1 open circuit. Causes: a broken sensor cable, a loose wire in terminal block "
        "X4, or a sensor that was never connected. What to do: check the wiring and measure the sensor as "
        "described in section 4.1. The compressor stays off until the reading is plausible again.",
        "E-004 Flow sensor T1 short circuit. Causes: a pinched cable or water in a cable joint. What to do: "
        "find and repair the damaged cable or replace the sensor.",
        "E-012 Outdoor sensor T4 fault. The controller keeps heating with a fixed outdoor value of 0 °C, so "
        "the rooms stay warm but the flow temperature no longer follows the weather. What to do: check the "
        "outdoor sensor cable and the sensor itself; replace the OS-2 if its resistance is wrong.",
        "E-019 Low water pressure. Shown when the optional pressure sensor reads below 0.8 bar. What to do: "
        "top up the heating system to 1.5 bar while it is cold. If the pressure keeps dropping, look for a "
        "leak or have the expansion vessel checked.",
    ),
    _page(
        "8.1 Error codes: heat pump and water flow",
        "E-027 High pressure switch tripped. The heat pump's high pressure switch stopped the compressor. "
        "Causes: too little water flowing through the heat pump, closed valves, air in the system or a "
        "maximum flow temperature set too high. The controller restarts the compressor after 15 minutes; "
        "after the third trip within 24 hours it waits for a manual reset.",
        "E-033 No communication with the heat pump. The controller lost contact with the outdoor unit. "
        "Causes: the outdoor unit has no power, or the communication cable on terminal block X6 is loose or "
        "damaged. What to do: check the outdoor unit's breaker, then the cable.",
        "E-041 Low flow in the heating circuit. The flow switch reported less than 8 litres per minute for "
        "more than 60 seconds while the circulation pump was running. Causes: closed isolation valves, a "
        "clogged strainer (dirt filter) in the return pipe, air in the system, a failed circulation pump, "
        "or every thermostatic radiator valve closed at once.",
        "What to do about E-041: open the isolation valves, clean the strainer, bleed the radiators and "
        "check that the circulation pump runs when relay R2 is on. Then reset the error by holding OK for 3 "
        "seconds. If E-041 occurs three times within 24 hours, the controller locks the heat pump out and "
        "shows E-041 L; only an installer can reset this lockout.",
    ),
    _page(
        "8.2 Error codes: defrost, hot water and system",
        "E-052 Defrost failed. Three defrosts in a row did not finish within P-23. Causes: a flow temperature "
        "below 15 °C during defrost, or snow and ice blocking the outdoor unit. What to do: clear snow and "
        "ice from around the outdoor unit and check the water flow.",
        "E-058 Hot water overtemperature. The tank sensor T3 reads more than 75 °C. The backup heater is "
        "switched off at once. Causes: a tank sensor that has slipped out of its pocket, or a backup heater "
        "contactor whose contacts have welded shut. What to do: check the sensor position and the "
        "contactor before resetting.",
        "E-063 Modbus watchdog. No valid request arrived from the Modbus master within the time set in "
        "P-33. The controller falls back to its own settings until requests arrive again. What to do: check "
        "the building management system and the RS-485 wiring, or switch the watchdog off.",
        "E-070 Memory checksum error. The stored firmware or settings are damaged. What to do: restart the "
        "controller; if the error returns, load the firmware again from a USB stick (section 9.1) and "
        "contact Nordlys support.",
        "E-088 Clock battery low. Replace the CR2032 battery on the main board. Settings are kept without the "
        "battery, but the clock and the schedule are lost after a power cut.",
    ),
    _page(
        "9 Maintenance schedule",
        "The controller itself needs little care, but the heating system it runs does. Follow this schedule "
        "and record each service in the commissioning notes.",
        "Every month (owner): check that the system pressure is between 1.0 and 2.0 bar with the system "
        "cold, and look at the display for a red triangle or a spanner icon.",
        "Every 6 months (installer or a competent owner): clean the strainer in the return pipe and make "
        "sure leaves, snow and ice are not blocking the outdoor unit.",
        "Every year (installer): tighten the terminal screws to 0.5 Nm, compare the sensor readings with a "
        "reference thermometer, run the relay test, download and read the error log, install available "
        "firmware updates, and have the heat pump checked for refrigerant leaks where the law requires it.",
        "Every 5 years (installer): replace the clock battery (CR2032) on the main board.",
        "The spanner icon appears 12 months after commissioning and then every 12 months. After the service, "
        "clear it under Menu > Service > Reset service reminder.",
        "Clean the housing and display with a soft, slightly damp cloth. Do not use solvents, abrasive "
        "cleaners or spray cleaners.",
    ),
    _page(
        "9.1 Firmware updates and data logging",
        "The installed firmware version is shown under Menu > Info. New firmware can be installed in two "
        "ways. In the web interface, choose Settings > Firmware and upload the .bin file. With a USB stick, "
        "format the stick as FAT32, copy the file to its top folder under the name h7_fw.bin, insert it in "
        "the USB port under the terminal cover and confirm the prompt on the display.",
        "An update takes about 4 minutes, and the controller restarts twice. Do not switch off the power "
        "during the update. The compressor is stopped while the update runs. All parameters and the error "
        "log are kept.",
        "The controller logs temperatures, relay states and the operating mode every 60 seconds and keeps "
        "the last 90 days. To export the log as a CSV file, choose Logs > Export in the web interface, or "
        "Menu > Service > Export log to copy it to a USB stick.",
        "Send the exported log to support together with the error code when you report a problem; it "
        "usually shows the cause faster than any description.",
    ),
    _page(
        "10 Troubleshooting: heating and hot water",
        "The display is dark: press a button first, because the display switches off after 5 minutes. If it "
        "stays dark, check the isolator and the circuit breaker, then the fuse F1 (T 3.15 A) on the main "
        "board.",
        "The rooms are cold and no error is shown: check that the mode is not standby, holiday or hot water "
        "only. In spring and autumn the summer cut-off may have stopped the heating because the 24-hour "
        "average outdoor temperature is above P-06 (18 °C by default). Then check the heating curve (section "
        "5.1) and that the thermostatic valves are open.",
        "The rooms are too warm: lower the heating curve slope or the parallel shift in small steps.",
        "The hot water is not hot enough: check the hot water setpoint (P-10). If the heating takes most of "
        "the heat pump's time, raise P-14 so the tank gets more time per cycle.",
        "The compressor starts and stops every few minutes (short cycling): increase the minimum off time "
        "P-15, check that the heating circuit has enough water volume (open thermostatic valves or add a "
        "buffer tank) and check that the hot water hysteresis P-11 is not set too small.",
    ),
    _page(
        "10.1 Troubleshooting: noise, network and resets",
        "The heat pump is loud at night: set quiet mode (P-27) to scheduled and set the quiet hours in P-28. "
        "Quiet mode lowers the compressor speed, so on very cold nights the backup heater may help more "
        "often.",
        "The web interface cannot be reached: make sure the computer is on the same network as the "
        "controller. Some routers and older phones do not resolve nordlys-h7.local; use the IP address shown "
        "under Menu > Network > Status instead. If P-37 is set to static, check the address, mask and "
        "gateway.",
        "MQTT does not connect: check the broker's host name and port (1883, or 8883 with TLS) and the user "
        "name and password. Settings > MQTT in the web interface shows the last connection error.",
        "The web password is forgotten: at installer level choose Menu > Network > Reset web password. The "
        "password goes back to the one printed on the label on the housing.",
        "To restart the controller, switch it off at the isolator for 10 seconds. To reset every parameter "
        "to its factory default, set P-99 to 1 at installer level and confirm; the commissioning wizard "
        "then starts again. The error log and the operating hours are kept.",
        "Before calling support, note the serial number, the firmware version and the error code, and export the log.",
    ),
    _page(
        "11 Technical specifications",
        "Supply voltage\t230 V AC ±10 %, 50/60 Hz\n"
        "Power consumption\t4.5 W typical, 9 W maximum\n"
        "Relay outputs\t4 x 250 V AC, 3 A resistive, 1 A inductive\n"
        "Analogue output\t1 x 0-10 V, maximum 10 mA\n"
        "Digital inputs\t2, volt-free contacts\n"
        "Sensor inputs\t4 x NTC 10 kOhm, -40 to +120 °C, accuracy ±0.5 K\n"
        "Ethernet\t10/100 Mbit/s, RJ45\n"
        "Wi-Fi\t2.4 GHz, 802.11 b/g/n\n"
        "Fieldbus\tRS-485, Modbus RTU\n"
        "USB\tUSB-A, for firmware and log export\n"
        "Display\t3.5 inch colour TFT, 320 x 240 pixels\n"
        "Enclosure rating\tIP20\n"
        "Operating temperature\t0 to 45 °C\n"
        "Storage temperature\t-20 to +60 °C\n"
        "Dimensions (W x H x D)\t160 x 110 x 42 mm\n"
        "Weight\t420 g\n"
        "Clock backup battery\tCR2032 lithium cell\n"
        "Data log\t90 days at 60-second intervals",
        "The controller meets the requirements of the Low Voltage Directive 2014/35/EU, the EMC Directive "
        "2014/30/EU, the Radio Equipment Directive 2014/53/EU and the RoHS Directive 2011/65/EU and carries "
        "the CE mark. The declaration of conformity is available from Nordlys Climate AS on request.",
    ),
    _page(
        "12 Warranty",
        "Nordlys Climate AS gives a warranty of 5 years from the date of installation when the controller is "
        "registered at nordlys-climate.example/register within 90 days of installation. Without "
        "registration the warranty is 2 years from the date of purchase.",
        "The warranty covers defects in materials and workmanship. Nordlys repairs or replaces the faulty "
        "controller at its choice. A replacement unit carries the rest of the original warranty or 6 "
        "months, whichever is longer.",
        "The warranty does not cover damage caused by incorrect installation or wiring, overvoltage or "
        "lightning, water, opening the housing beyond the terminal cover, sensors not supplied by Nordlys, "
        "or the clock battery, which is a wearing part.",
        "To make a claim, contact the installer or the dealer who sold the controller, with the proof of "
        "purchase, the serial number and, if possible, an export of the error log. The cost of removing "
        "and refitting the controller is not covered unless Nordlys has agreed to it in writing.",
    ),
)

# The cover and the contents come before the body.
_FIRST_BODY_PAGE = 3


def _contents(body: tuple[str, ...]) -> str:
    """List each body page's heading with its page number, in the order the pages are printed."""
    lines = []
    for number, text in enumerate(body, start=_FIRST_BODY_PAGE):
        heading = text.partition("\n")[0]
        lines.append(f"{heading}\t{number}")
    return _page("Contents", "\n".join(lines))


PAGES: tuple[str, ...] = (_COVER, _contents(_BODY), *_BODY)


def write_sample_manual(path: Path) -> None:
    """Write the manual as a PDF with one page per entry of ``PAGES``.

    Import fpdf2 here: it is a development dependency, and ``PAGES`` must stay importable without it.
    Raise RuntimeError when a page's text runs into the footer, because a page that overflowed
    would no longer hold the facts the questions expect on it.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(_CREATED)
    pdf.set_title(_HEADER)
    pdf.set_author("Nordlys Climate AS")
    pdf.set_margins(20, 15, 20)
    # Pages never break on their own, so each entry of PAGES stays exactly one PDF page.
    pdf.set_auto_page_break(False)
    for number, text in enumerate(PAGES, start=1):
        pdf.add_page()
        # The cover, like a printed one, has no running header or footer.
        if number > 1:
            _write_running_line(pdf, _HEADER)
        _write_page(pdf, text)
        if pdf.get_y() > pdf.h - _FOOTER_SPACE:
            raise RuntimeError(f"Page {number} of the sample manual runs into its footer.")
        if number > 1:
            pdf.set_y(-_FOOTER_TOP)
            _write_running_line(pdf, _FOOTER.format(page=number, total=len(PAGES)))
    pdf.output(str(path))


def _write_running_line(pdf, text: str) -> None:
    """Write a small header or footer line across the page."""
    pdf.set_font("Helvetica", size=8)
    pdf.cell(0, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _write_page(pdf, text: str) -> None:
    """Write a heading in bold, then paragraphs; a line with a tab gets its value right-aligned."""
    heading, *paragraphs = text.split("\n\n")
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", size=_BODY_SIZE)
    for paragraph in paragraphs:
        for line in paragraph.split("\n"):
            label, _, value = line.partition("\t")
            if value:
                pdf.cell(0, _LINE_HEIGHT, label, new_x="LMARGIN", new_y="TOP")
                pdf.cell(0, _LINE_HEIGHT, value, align="R", new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.multi_cell(0, _LINE_HEIGHT, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(_PARAGRAPH_GAP)
