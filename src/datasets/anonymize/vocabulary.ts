// The words fake values are made of. ASCII only, so every output is as long in bytes as in
// characters and fits an email address.

export const FIRST_NAMES = [
  'Aaliyah', 'Abdul', 'Ada', 'Adrian', 'Aiko', 'Alan', 'Alba', 'Alice', 'Amara', 'Amir', 'Ana', 'Anders', 'Anika', 'Arjun', 'Astrid', 'Ayumi',
  'Beatriz', 'Ben', 'Bianca', 'Boris', 'Carla', 'Carlos', 'Chen', 'Chiara', 'Chloe', 'Dalia', 'Daniel', 'Dara', 'David', 'Diego', 'Dmitri', 'Elena',
  'Eli', 'Emeka', 'Emma', 'Erik', 'Esther', 'Fatima', 'Felix', 'Freya', 'Gabriel', 'Grace', 'Hana', 'Hannah', 'Hassan', 'Ines', 'Ingrid', 'Isaac',
  'Ivan', 'Jamal', 'Jane', 'Javier', 'Jin', 'John', 'Jonas', 'Julia', 'Kai', 'Kamala', 'Karin', 'Kenji', 'Kofi', 'Lars', 'Layla', 'Leila',
  'Leo', 'Lin', 'Lucas', 'Lucia', 'Luis', 'Maya', 'Mateo', 'Mei', 'Mia', 'Mikhail', 'Nadia', 'Naomi', 'Nia', 'Nikhil', 'Nina', 'Noah',
  'Nora', 'Olga', 'Omar', 'Oscar', 'Paolo', 'Pedro', 'Priya', 'Rafael', 'Rahul', 'Rania', 'Ravi', 'Rosa', 'Ruth', 'Sami', 'Sara', 'Sean',
  'Sofia', 'Sven', 'Tariq', 'Tess', 'Theo', 'Tomas', 'Uma', 'Valentina', 'Vera', 'Victor', 'Wei', 'Yara', 'Yusuf', 'Zainab', 'Zara', 'Zoe',
  'Abel', 'Amelie', 'Bruno', 'Cyrus', 'Dana', 'Elif', 'Farah', 'Goran', 'Hugo', 'Ilse', 'Joao', 'Kira', 'Malik', 'Nils', 'Pia', 'Quinn',
];

export const LAST_NAMES = [
  'Abbott', 'Adeyemi', 'Alvarez', 'Andersen', 'Bauer', 'Becker', 'Bianchi', 'Brown', 'Castro', 'Chen', 'Costa', 'Cruz', 'Das', 'Dubois', 'Eriksson', 'Evans',
  'Fischer', 'Fontaine', 'Garcia', 'Gomez', 'Gupta', 'Haddad', 'Hansen', 'Hoffmann', 'Ivanova', 'Jansen', 'Jensen', 'Johansson', 'Kaur', 'Kim', 'Kowalski', 'Kruger',
  'Larsen', 'Lee', 'Lopez', 'Mahmoud', 'Martin', 'Meyer', 'Moreau', 'Morales', 'Murphy', 'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Ortiz', 'Park',
  'Patel', 'Perez', 'Petrov', 'Popescu', 'Quinn', 'Ramos', 'Reyes', 'Ricci', 'Rossi', 'Sato', 'Schmidt', 'Schulz', 'Silva', 'Singh', 'Smith', 'Sousa',
  'Suzuki', 'Svensson', 'Tanaka', 'Taylor', 'Torres', 'Vargas', 'Vasquez', 'Virtanen', 'Wagner', 'Walker', 'Wang', 'Weber', 'Wilson', 'Wong', 'Yamamoto', 'Yilmaz',
  'Zhang', 'Ziegler', 'Achterberg', 'Bergstrom', 'Carvalho', 'Delgado', 'Eze', 'Ferreira', 'Gallagher', 'Horvath', 'Ibrahim', 'Jovanovic', 'Keller', 'Lindqvist', 'Mensah', 'Nieminen',
  'Oliveira', 'Pham', 'Quispe', 'Richter', 'Sandoval', 'Takahashi', 'Usman', 'Varga', 'Watanabe', 'Xu', 'Yadav', 'Zimmermann', 'Aydin', 'Baptiste', 'Coleman', 'Dlamini',
  'Engel', 'Falk', 'Grant', 'Holm', 'Iqbal', 'Jung', 'Kovac', 'Lund', 'Moller', 'Nowak', 'Osei', 'Pereira', 'Rahman', 'Stone', 'Tran', 'Voss',
];

export const CITIES = [
  'Ashford', 'Bayview', 'Brookfield', 'Cedar Falls', 'Clearwater', 'Eastwood', 'Elmstead', 'Fairhaven', 'Glenmoor', 'Greenfield', 'Harborview', 'Highbury', 'Hillcrest', 'Kingsbridge', 'Lakeside', 'Linden',
  'Maplewood', 'Meadowbrook', 'Millbrook', 'Northgate', 'Oakridge', 'Old Harbor', 'Pinecrest', 'Port Ellis', 'Redcliff', 'Riverside', 'Rosedale', 'Saltmarsh', 'Silverlake', 'Southport', 'Springvale', 'Stonebridge',
  'Summerton', 'Sunnyvale', 'Thornbury', 'Westbrook', 'Westfield', 'Whitby Cross', 'Willowdale', 'Windermere', 'Amberley', 'Birchwood', 'Coldwater', 'Dunmore', 'Edgewater', 'Foxhall', 'Goldcrest', 'Hartwell',
  'Ironbridge', 'Juniper Hill', 'Kestrel Bay', 'Lowmoor', 'Marsh End', 'New Carden', 'Orchard Park', 'Pebblebrook', 'Quarry Bank', 'Ravensworth', 'Seaholme', 'Tidewater', 'Upton Vale', 'Violet Hill', 'Wrenfield', 'Yarrowby',
];

export const STREETS = [
  'Acacia', 'Alder', 'Aspen', 'Beech', 'Birch', 'Bluebell', 'Cedar', 'Cherry', 'Chestnut', 'Clover', 'Cypress', 'Daisy', 'Elm', 'Fern', 'Foxglove', 'Hawthorn',
  'Hazel', 'Heather', 'Holly', 'Ivy', 'Juniper', 'Laurel', 'Lavender', 'Lilac', 'Linden', 'Magnolia', 'Maple', 'Meadow', 'Mill', 'Oak', 'Orchard', 'Pine',
  'Poplar', 'Primrose', 'Quarry', 'Rose', 'Rowan', 'Sage', 'Spruce', 'Station', 'Sycamore', 'Thistle', 'Tulip', 'Violet', 'Walnut', 'Willow', 'Wisteria', 'Yew',
  'Bridge', 'Brook', 'Canal', 'Castle', 'Church', 'Garden', 'Harbor', 'Hill', 'Lake', 'Market', 'Park', 'River', 'School', 'Spring', 'Valley', 'Well',
];

export const STREET_SUFFIXES = ['Street', 'Road', 'Lane', 'Avenue', 'Way', 'Close', 'Drive', 'Place'];
export const STREET_SUFFIXES_SHORT = ['St', 'Rd', 'Ln', 'Ave', 'Way', 'Cl', 'Dr', 'Pl'];

export const COMPANY_SUFFIXES = ['Ltd', 'Group', 'and Partners', 'Holdings', 'Industries', 'Labs', 'Trading', 'Works'];

/** Reserved for documentation (RFC 2606): mail to them goes nowhere. */
export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];

/** Filler for free text, sorted by length within the list (pickers group them by length). */
export const FILLER_WORDS = [
  'a', 'e', 'i', 'o', 'u', 'ad', 'at', 'et', 'id', 'in', 'ut', 'ac', 'eu', 'ex', 'nec', 'non', 'per', 'sed', 'vel', 'est', 'sit', 'qui', 'cum', 'eos',
  'amet', 'enim', 'ipsa', 'modi', 'nisi', 'odio', 'quam', 'quia', 'quis', 'sint', 'sunt', 'ullam', 'dolor', 'ipsum', 'lorem', 'magna', 'minim', 'nulla',
  'culpa', 'dicta', 'error', 'fugit', 'illum', 'natus', 'neque', 'quasi', 'rerum', 'velit', 'vitae', 'veniam', 'aliqua', 'dolore', 'fugiat', 'labore',
  'mollit', 'nostrud', 'officia', 'pariatur', 'proident', 'occaecat', 'cupidatat', 'consequat', 'excepteur', 'exercitation', 'reprehenderit', 'voluptate',
  'laboris', 'tempor', 'aliquip', 'commodo', 'deserunt', 'eiusmod', 'incididunt', 'adipiscing', 'consectetur', 'ullamco', 'voluptas', 'accusantium',
  'doloremque', 'laudantium', 'totam', 'aperiam', 'eaque', 'inventore', 'veritatis', 'architecto', 'beatae', 'explicabo', 'nemo', 'aspernatur', 'aut',
  'odit', 'magni', 'dolores', 'ratione', 'sequi', 'nesciunt', 'porro', 'quisquam', 'dolorem', 'numquam', 'eius', 'tempora', 'incidunt',
];
